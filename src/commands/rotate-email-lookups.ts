// `ledger rotate-lookup-key`'s work: every live account's email gets its
// reservation under each configured lookup key, above all the current one.
// The reservation streams are named by the lookup (`email-<HMAC(key, email)>`)
// and cannot be renamed, so rotation adds streams rather than rewriting them;
// after it, and with every server already on the new key, the previous keys
// can be dropped and uniqueness still holds under the current key alone.

import type { SqlExecutor } from '../db/sql.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import {
  emailTargets,
  loadAccountHistory,
  loadReservation,
  releaseAll,
  reserve,
  type ReservationTarget,
} from './account-lookups.ts';
import { openPersonalData } from './account-queries.ts';
import { mapLimit } from './map-limit.ts';
import type { AccountDeps } from './accounts.ts';

export const LOOKUP_ROTATION_ACTOR = 'system:lookup-rotation';

export interface LookupRotationResult {
  /** Live (active or disabled) accounts looked at. */
  accounts: number;
  /** Reservations this run added. */
  added: number;
  /** Accounts whose email another account holds under some key: uniqueness was already broken, or a sign-up was in flight. */
  conflicts: string[];
}

export interface LookupRotationOptions {
  listAccounts: AccountLister;
  /** Called with accounts handled so far and the total known so far. */
  onProgress?: (done: number, total: number) => void;
  /** Accounts handled at once; default 8. */
  concurrency?: number;
  /** Waits before retrying a reservation held by an in-flight sign-up; default 500 ms. */
  retryDelayMs?: number;
}

/** Every account id (any status); called again until it names no account not seen before. */
export type AccountLister = () => Promise<string[]>;

/**
 * Account ids from the SQL store's stream table. Not through readAll: that
 * shows only transactions older than the oldest one still running anywhere on
 * the server, so a long transaction elsewhere would hide recent sign-ups.
 */
export const accountIdsFromStreams =
  (db: SqlExecutor): AccountLister =>
  async () => {
    const { rows } = await db.query<{ stream: string }>(
      "SELECT stream FROM streams WHERE stream LIKE 'account-%'",
    );
    return rows.map((r) => r.stream.slice('account-'.length));
  };

/** Account ids from the whole log (KurrentDB, whose $all has no such lag). */
export const accountIdsFromLog =
  (store: EventStore): AccountLister =>
  async () => {
    const ids = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page: RecordedEvent[] = await store.readAll({
        ...(after ? { after } : {}),
        limit: 5000,
      });
      for (const event of page)
        if (event.stream.startsWith('account-')) ids.add(event.stream.slice('account-'.length));
      if (page.length === 0) return [...ids];
      after = page.at(-1)!.position;
    }
  };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reserves the account's email under every key it lacks. If the account
 * changed meanwhile (new email, forgotten), withdraws what it added and looks
 * again, so a claim never outlives the address it was made for.
 */
async function rotateAccount(deps: AccountDeps, accountId: string, retryDelayMs: number) {
  for (let attempt = 1; ; attempt++) {
    const { events, state } = await loadAccountHistory(deps.store, accountId);
    if (state.status !== 'active' && state.status !== 'disabled') return { live: false, added: 0 };
    const personal = await openPersonalData(deps.vault, state.personal);
    if (!personal) return { live: false, added: 0 };
    // The account's revision in the id: a second look after a change appends afresh.
    const metadata: CommandMetadata = {
      now: new Date().toISOString(),
      commandId: `rotate-lookup-key:${accountId}:${events.length}`,
      actor: LOOKUP_ROTATION_ACTOR,
    };
    const added: ReservationTarget[] = [];
    try {
      for (const target of emailTargets(deps, personal.email)) {
        const claim = await loadReservation(deps.store, target);
        if (claim.status === 'held' && claim.accountId === accountId) continue;
        await reserve(deps.store, target, accountId, metadata);
        added.push(target);
      }
    } catch (error) {
      await releaseAll(deps.store, added, accountId, 'claim_abandoned', metadata);
      if (!(error instanceof DomainError && error.code === 'EMAIL_TAKEN')) throw error;
      if (attempt >= 3) return { live: true, added: 0, conflict: true };
      await sleep(retryDelayMs);
      continue;
    }
    const after = await loadAccountHistory(deps.store, accountId);
    if (after.events.length === events.length) return { live: true, added: added.length };
    await releaseAll(deps.store, added, accountId, 'claim_abandoned', metadata);
  }
}

export async function rotateEmailLookups(
  deps: AccountDeps,
  options: LookupRotationOptions,
): Promise<LookupRotationResult> {
  const result: LookupRotationResult = { accounts: 0, added: 0, conflicts: [] };
  const seen = new Set<string>();
  let done = 0;
  // Passes until one finds no account not seen before (sign-ups made meanwhile
  // by servers that know the current key reserve under it themselves).
  for (;;) {
    const fresh = (await options.listAccounts()).filter((id) => !seen.has(id));
    if (fresh.length === 0) return result;
    for (const id of fresh) seen.add(id);
    // After a failure no account is started, and the ones in flight finish
    // before the error is thrown, so nothing runs on behind the caller's back.
    const failures: unknown[] = [];
    await mapLimit(fresh, options.concurrency ?? 8, async (accountId) => {
      if (failures.length > 0) return;
      try {
        const outcome = await rotateAccount(deps, accountId, options.retryDelayMs ?? 500);
        if (outcome.live) result.accounts++;
        result.added += outcome.added;
        if (outcome.conflict) result.conflicts.push(accountId);
        options.onProgress?.(++done, seen.size);
      } catch (error) {
        failures.push(error);
      }
    });
    if (failures.length > 0) throw failures[0];
  }
}
