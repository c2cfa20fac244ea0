// Idempotent retries on KurrentDB. The server itself recognises a retry sent
// with the same exact expected revision (or `no_stream`); this module covers
// what it cannot see: a retried `any`/`stream_exists` append (which this
// adapter sends with a fresh exact revision) and ids reused for other content.
// KurrentDB has no index by event id, so both checks look at a window of the
// stream's most recent events rather than at the whole store.

import { EventStoreError, WrongExpectedRevisionError } from '../errors.ts';
import type { AppendResult, ExpectedRevision, RecordedEvent } from '../port.ts';
import type { ValidEvent } from '../validation.ts';

/** How many events beyond the batch size a retry may lag behind the stream's end. */
export const IDEMPOTENCY_WINDOW = 64;

const idempotencyConflict = (stream: string) =>
  new EventStoreError(
    'IDEMPOTENCY_CONFLICT',
    `stream ${stream}: some event ids of this append are already stored elsewhere`,
  );

/**
 * The stored result when `events` are already, in order and as a whole, among
 * `recent` (newest first); null when none of their ids is there; throws when
 * only some are, or out of order.
 */
export function previouslyAppended(
  stream: string,
  events: ValidEvent[],
  recent: RecordedEvent[],
): AppendResult | null {
  const byId = new Map(recent.map((event) => [event.id, event]));
  const found = events.map((event) => byId.get(event.id));
  if (found.every((event) => event === undefined)) return null;
  const first = found[0];
  const sameRun =
    first !== undefined && found.every((event, i) => event?.revision === first.revision + i);
  if (!sameRun) throw idempotencyConflict(stream);
  const last = found[found.length - 1]!;
  return { nextRevision: last.revision, position: last.position };
}

/**
 * The error for an append whose expected revision did not hold: a conflict
 * with other writers, unless some of its ids are already in the stream (the
 * server would have accepted an exact retry, so this is a misplaced one).
 */
export function conflictError(
  stream: string,
  events: ValidEvent[],
  expected: ExpectedRevision,
  recent: RecordedEvent[],
): EventStoreError {
  const ids = new Set(events.map((event) => event.id));
  if (recent.some((event) => ids.has(event.id))) return idempotencyConflict(stream);
  return new WrongExpectedRevisionError(stream, String(expected), recent[0]?.revision ?? -1);
}
