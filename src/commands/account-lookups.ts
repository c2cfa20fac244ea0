// Reading accounts and their reservation streams: the reserve/release steps of
// the account services, and the lookups other services use (account by
// username or email, an account's state). Lookups go through the reservation
// streams, never a read model, so they agree with what uniqueness enforced.

import {
  accountDecider,
  accountStream,
  isStaleClaim,
  reservationDecider,
  reservationStream,
  type AccountEvent,
  type AccountState,
  type ReleaseReason,
  type ReservationEvent,
  type ReservationKind,
  type ReservationState,
} from '../domain/account/index.ts';
import { normaliseUsername } from '../domain/account/validation.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { emailLookups, type LookupKeyring } from '../privacy/lookup.ts';
import { handleCommand } from './handle-command.ts';

export interface ReservationTarget {
  kind: ReservationKind;
  /** Normalised username, or the email's lookup HMAC. */
  key: string;
}

const asAccountEvent = (event: RecordedEvent) => event as unknown as AccountEvent;
const asReservationEvent = (event: RecordedEvent) => event as unknown as ReservationEvent;

/**
 * The account's stored events and folded state. With `before`, only the events
 * preceding the first one written by that command id (how the account looked
 * when a retried command first ran).
 */
export async function loadAccountHistory(
  store: EventStore,
  accountId: string,
  options: { before?: string } = {},
): Promise<{ events: RecordedEvent[]; state: AccountState }> {
  let events = await store.readStream(accountStream(accountId));
  const cut = events.findIndex((e) => e.metadata.commandId === options.before);
  if (options.before !== undefined && cut >= 0) events = events.slice(0, cut);
  const state = events
    .map(asAccountEvent)
    .reduce(accountDecider.evolve, accountDecider.initialState);
  return { events, state };
}

export const loadAccount = async (store: EventStore, accountId: string): Promise<AccountState> =>
  (await loadAccountHistory(store, accountId)).state;

/** The email lookup an account last held, even after it was forgotten. */
export function lastEmailLookup(events: RecordedEvent[]): string | null {
  let lookup: string | null = null;
  for (const event of events.map(asAccountEvent))
    if (event.type === 'AccountRegistered' || event.type === 'PersonalDataChanged')
      lookup = event.data.emailLookup;
  return lookup;
}

export async function loadReservation(
  store: EventStore,
  target: ReservationTarget,
): Promise<ReservationState> {
  const events = await store.readStream(reservationStream(target.kind, target.key));
  return events
    .map(asReservationEvent)
    .reduce(reservationDecider.evolve, reservationDecider.initialState);
}

// Each step writes to a different stream under its own command id, derived from
// the caller's: event ids are unique across the whole store, and a retry of the
// caller's command repeats exactly the same steps.
const stepMetadata = (m: CommandMetadata, step: string, target: ReservationTarget) => ({
  ...m,
  commandId: `${m.commandId}:${step}:${target.kind}-${target.key}`,
});

/**
 * If the claim belongs to a sign-up that never wrote its account, and has
 * waited longer than STALE_CLAIM_MS, closes that account stream with
 * RegistrationAbandoned and returns the holder, whose claim may then be taken.
 * The account stream decides the race: either the stalled sign-up registers
 * first (and keeps its claim) or the abandonment lands first (and it never can).
 */
async function reclaimable(
  store: EventStore,
  claim: ReservationState,
  target: ReservationTarget,
  accountId: string,
  metadata: CommandMetadata,
): Promise<string | null> {
  if (claim.status !== 'held' || claim.accountId === accountId) return null;
  const holder = await loadAccount(store, claim.accountId);
  if (holder.status === 'abandoned') return claim.accountId;
  // A forgotten person holds no email; their forget releases it, and this
  // covers a claim added under another lookup key while they were forgotten.
  if (target.kind === 'email' && holder.status === 'forgotten') return claim.accountId;
  if (holder.status !== 'unregistered' || !isStaleClaim(claim, metadata.now)) return null;
  try {
    await handleCommand(store, accountStream(claim.accountId), accountDecider, {
      type: 'AbandonRegistration',
      data: { reclaimedBy: accountId },
      metadata: stepMetadata(metadata, 'abandon', target),
    });
  } catch (error) {
    // It registered after all, just now: the claim is rightfully theirs.
    if (error instanceof DomainError && error.code === 'ACCOUNT_EXISTS') return null;
    throw error;
  }
  return claim.accountId;
}

/**
 * Claims `target` for the account: first writer wins; USERNAME_TAKEN or
 * EMAIL_TAKEN for the loser. Re-checks the holder afterwards, because a step
 * the command applied before may since have been undone by its own release.
 */
export async function reserve(
  store: EventStore,
  target: ReservationTarget,
  accountId: string,
  metadata: CommandMetadata,
): Promise<void> {
  const claim = await loadReservation(store, target);
  const abandonedHolder = await reclaimable(store, claim, target, accountId, metadata);
  await handleCommand(store, reservationStream(target.kind, target.key), reservationDecider, {
    type: 'Reserve',
    data: { kind: target.kind, accountId, abandonedHolder },
    metadata: stepMetadata(metadata, 'reserve', target),
  });
  const state = await loadReservation(store, target);
  if (state.status === 'held' && state.accountId === accountId) return;
  throw target.kind === 'username'
    ? new DomainError('USERNAME_TAKEN', 'that username is taken')
    : new DomainError('EMAIL_TAKEN', 'an account with that email already exists');
}

/** The email's reservation under every configured lookup key, current key first. */
export const emailTargets = (keys: LookupKeyring, email: string): ReservationTarget[] =>
  emailLookups(keys, email).map((key) => ({ kind: 'email', key }));

/**
 * Reserves each target in order; if one is taken, releases those this call
 * reserved (best effort, as a stalled claim goes stale anyway) and throws.
 */
export async function reserveAll(
  store: EventStore,
  targets: readonly ReservationTarget[],
  accountId: string,
  metadata: CommandMetadata,
): Promise<void> {
  const reserved: ReservationTarget[] = [];
  try {
    for (const target of targets) {
      await reserve(store, target, accountId, metadata);
      reserved.push(target);
    }
  } catch (error) {
    await releaseAll(store, reserved, accountId, 'claim_abandoned', metadata).catch(
      () => undefined,
    );
    throw error;
  }
}

export async function releaseAll(
  store: EventStore,
  targets: readonly ReservationTarget[],
  accountId: string,
  reason: ReleaseReason,
  metadata: CommandMetadata,
): Promise<void> {
  for (const target of targets)
    await releaseReservation(store, target, accountId, reason, metadata);
}

export async function releaseReservation(
  store: EventStore,
  target: ReservationTarget,
  accountId: string,
  reason: ReleaseReason,
  metadata: CommandMetadata,
): Promise<void> {
  await handleCommand(store, reservationStream(target.kind, target.key), reservationDecider, {
    type: 'Release',
    data: { accountId, reason },
    metadata: stepMetadata(metadata, `release-${reason}`, target),
  });
}

/** The holder, but only once its account exists: a claim whose sign-up never finished names no one. */
async function registeredHolder(
  store: EventStore,
  target: ReservationTarget,
): Promise<string | null> {
  const reservation = await loadReservation(store, target);
  if (reservation.status !== 'held') return null;
  const account = await loadAccount(store, reservation.accountId);
  const unregistered = account.status === 'unregistered' || account.status === 'abandoned';
  if (target.kind === 'email' && account.status === 'forgotten') return null;
  return unregistered ? null : reservation.accountId;
}

/** Account id holding this username (any status, including disabled and forgotten), or null. */
export const findAccountIdByUsername = (
  store: EventStore,
  username: string,
): Promise<string | null> =>
  registeredHolder(store, { kind: 'username', key: normaliseUsername(username) });

/**
 * Account id holding this email under the current lookup key, else under a
 * previous one; null if none (a forgotten person's email is released).
 */
export async function findAccountIdByEmail(
  deps: { store: EventStore } & LookupKeyring,
  email: string,
): Promise<string | null> {
  for (const target of emailTargets(deps, email)) {
    const holder = await registeredHolder(deps.store, target);
    if (holder) return holder;
  }
  return null;
}
