// What an audit check is. The runner replays the log once, in log order, and
// hands every event to every check's `observe`; `finish` reports. A check that
// needs something other than the log (say, comparing rebuilt read models with
// the live ones) ignores `observe` and does its work in `finish`.

import type { z } from 'zod';
import type { SqlDatabase } from '../db/sql.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';

/** One finding: where in which stream, and why. */
export interface AuditFailure {
  stream: string;
  revision: number;
  reason: string;
}

export interface CheckResult {
  /** How many items the check examined (events, checkpoints, readings, bills, accounts). */
  checked: number;
  failures: AuditFailure[];
  /** Facts worth showing that are not failures (e.g. events not yet checkpointed). */
  notes: string[];
}

export interface AuditContext {
  store: EventStore;
  /** The SQL database of read models, when the deployment has one. */
  db?: SqlDatabase;
  /** Ledger public keys the auditor trusts; omitted: any key a checkpoint names. */
  trustedLedgerKeys?: string[];
}

export interface CheckRun {
  observe(event: RecordedEvent): void;
  finish(): Promise<CheckResult>;
}

export interface AuditCheck {
  /** Stable identifier, used as the key in JSON output. */
  id: string;
  /** One line for the readable summary. */
  title: string;
  start(context: AuditContext): CheckRun;
}

export const failureAt = (
  event: Pick<RecordedEvent, 'stream' | 'revision'>,
  reason: string,
): AuditFailure => ({ stream: event.stream, revision: event.revision, reason });

/**
 * The event's data parsed by its catalog schema, or a failure naming it: an
 * edited event can hold anything, and a check must report it, not crash.
 */
export function parseData<S extends z.ZodType>(
  schema: S,
  event: RecordedEvent,
): { ok: true; data: z.infer<S> } | { ok: false; failure: AuditFailure } {
  const parsed = schema.safeParse(event.data);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  return {
    ok: false,
    failure: failureAt(event, `malformed ${event.type}${where}: ${issue?.message ?? 'invalid'}`),
  };
}
