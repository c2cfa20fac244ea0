// Appending inside one transaction, for one stream or many (group commit).
// Per round: lock every stream row in one statement, decide each stream's
// outcome in memory (expected revision, idempotent retry), then insert all
// accepted events with one `unnest` statement under a savepoint. Conflicts are
// found before writing, so a conflicting stream fails alone; the savepoint
// covers the one failure SQL itself reports (an event id stored meanwhile).

import type { SqlExecutor } from '../../db/sql.ts';
import { EventStoreError, WrongExpectedRevisionError } from '../errors.ts';
import { GENESIS_HASH } from '../integrity.ts';
import type { ExpectedRevision, StreamAppendOutcome } from '../port.ts';
import type { ValidEvent } from '../validation.ts';
import {
  insertEvents,
  lockStreams,
  type StoredId,
  storedIds,
  type StreamHead,
} from './append-sql.ts';
import { encodePosition } from './positions.ts';

export interface PreparedAppend {
  stream: string;
  events: ValidEvent[];
  expectedRevision: ExpectedRevision;
}

export const NOTIFY_CHANNEL = 'meterledger_events';
const MAX_ID_RACE_RETRIES = 3;

type Decision = { kind: 'insert' } | { kind: 'done'; outcome: StreamAppendOutcome };

/** Whether `expected` holds for a stream whose last revision is `revision` (-1: none). */
export function revisionMatches(expected: ExpectedRevision, revision: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return revision === -1;
  if (expected === 'stream_exists') return revision >= 0;
  return revision === expected;
}

/** Where an idempotent retry's first event may sit, given what the writer expected. */
function placementMatches(expected: ExpectedRevision, first: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return first === 0;
  if (expected === 'stream_exists') return first >= 1;
  return first === expected + 1;
}

function decide(
  append: PreparedAppend,
  head: StreamHead,
  stored: Map<string, StoredId> | null,
): Decision {
  const found = stored ? append.events.map((event) => stored.get(event.id)) : [];
  const matched = found.filter((row) => row !== undefined);
  if (matched.length === 0) {
    if (revisionMatches(append.expectedRevision, head.revision)) return { kind: 'insert' };
    const error = new WrongExpectedRevisionError(
      append.stream,
      String(append.expectedRevision),
      head.revision,
    );
    return { kind: 'done', outcome: { ok: false, error } };
  }
  const first = found[0];
  const sameRun =
    matched.length === append.events.length &&
    first !== undefined &&
    found.every((row, i) => row?.stream === append.stream && row.revision === first.revision + i);
  if (!sameRun || !placementMatches(append.expectedRevision, first.revision)) {
    const error = new EventStoreError(
      'IDEMPOTENCY_CONFLICT',
      `stream ${append.stream}: some event ids of this append are already stored elsewhere`,
    );
    return { kind: 'done', outcome: { ok: false, error } };
  }
  const last = found[found.length - 1]!;
  return {
    kind: 'done',
    outcome: {
      ok: true,
      result: { nextRevision: last.revision, position: encodePosition(last.txid, last.position) },
    },
  };
}

export const isDuplicateEventId = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as { code?: unknown }).code === '23505' &&
  String(
    (error as { constraint?: unknown; message?: unknown }).constraint ?? (error as Error).message,
  ).includes('events_id_key');

/** Told every stream head an append saw or left, so a store can cache them. */
export type HeadListener = (stream: string, head: StreamHead) => void;

/** Appends a round of distinct streams. */
async function appendRound(
  tx: SqlExecutor,
  round: PreparedAppend[],
  onHead: HeadListener,
): Promise<StreamAppendOutcome[]> {
  const heads = await lockStreams(tx, round.map((append) => append.stream).sort(), GENESIS_HASH);
  const headOf = (stream: string): StreamHead =>
    heads.get(stream) ?? { revision: -1, lastHash: GENESIS_HASH };

  // Only appends whose expected revision fails need the id lookup up front: a
  // retry of an accepted append would otherwise be taken for a conflict.
  const mismatched = round.filter(
    (a) => !revisionMatches(a.expectedRevision, headOf(a.stream).revision),
  );
  let stored = mismatched.length > 0 ? await storedIds(tx, mismatched) : null;
  let everyIdLooked = false;

  for (let attempt = 0; ; attempt++) {
    const decisions = round.map((append) =>
      decide(
        append,
        headOf(append.stream),
        mismatched.includes(append) || everyIdLooked ? stored : null,
      ),
    );
    const accepted = round.filter((_, i) => decisions[i]!.kind === 'insert');
    const rejectedNew = round
      .filter((a, i) => decisions[i]!.kind === 'done' && headOf(a.stream).revision === -1)
      .map((a) => a.stream);
    await tx.query('SAVEPOINT meterledger_append');
    try {
      // Not released: COMMIT releases it, and that saves a round trip.
      const written = await insertEvents(tx, accepted, headOf, rejectedNew, NOTIFY_CHANNEL);
      return round.map((append, i) => {
        const decision = decisions[i]!;
        const wrote = written.get(append.stream);
        onHead(append.stream, wrote?.head ?? headOf(append.stream));
        if (decision.kind === 'done') return decision.outcome;
        return { ok: true, result: wrote!.result };
      });
    } catch (error) {
      // Anything else aborts the caller's whole transaction.
      if (!isDuplicateEventId(error) || attempt >= MAX_ID_RACE_RETRIES) throw error;
      // Someone stored one of our ids after we looked (or we did not look):
      // undo this round's insert, look everything up, decide again and retry.
      await tx.query('ROLLBACK TO SAVEPOINT meterledger_append');
      stored = await storedIds(tx, round);
      everyIdLooked = true;
    }
  }
}

/**
 * Appends in the caller's transaction. Appends to the same stream are applied
 * in array order (as successive rounds); outcomes come back in input order.
 */
export async function appendInTransaction(
  tx: SqlExecutor,
  appends: PreparedAppend[],
  onHead: HeadListener = () => {},
): Promise<StreamAppendOutcome[]> {
  const outcomes: StreamAppendOutcome[] = new Array(appends.length);
  const occurrence = new Map<string, number>();
  const rounds: { index: number; append: PreparedAppend }[][] = [];
  appends.forEach((append, index) => {
    const n = occurrence.get(append.stream) ?? 0;
    occurrence.set(append.stream, n + 1);
    (rounds[n] ??= []).push({ index, append });
  });
  for (const round of rounds) {
    const results = await appendRound(
      tx,
      round.map((entry) => entry.append),
      onHead,
    );
    round.forEach((entry, i) => (outcomes[entry.index] = results[i]!));
  }
  return outcomes;
}
