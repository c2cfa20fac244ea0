// The hot path: one autocommit statement per append or group commit. The
// store remembers each stream's head (revision, last hash) from earlier
// appends and reads; hashes are chained onto that assumed head, and the
// statement moves a stream's head only if it still is the assumed one
// (compare-and-swap under the row lock the UPDATE takes). Events are inserted
// only for streams whose swap won. A stream that loses, or whose expected
// revision disagrees with the assumed head, goes through the locked
// transactional path, which decides with certainty. No BEGIN/COMMIT round
// trips, and still one transaction per statement.

import type { SqlExecutor } from '../../db/sql.ts';
import { GENESIS_HASH } from '../integrity.ts';
import type { PreparedAppend } from './append.ts';
import type { StreamHead, Written } from './append-sql.ts';
import { writtenHeads } from './append-sql.ts';
import { chainBatch, integerArray, jsonArray, textArray } from './batch.ts';

type CasRow = { stream: string; position: string; txid: string };

/** A bounded map of stream heads; an entry is only ever a guess the database checks. */
export class HeadCache {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly capacity = 50_000) {}

  /** The remembered head, or "no stream yet" for a stream never seen. */
  get(stream: string): StreamHead {
    return this.heads.get(stream) ?? { revision: -1, lastHash: GENESIS_HASH };
  }

  set(stream: string, head: StreamHead): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    // Map iterates in insertion order, so the first key is the least recently set.
    if (this.heads.size > this.capacity) this.heads.delete(this.heads.keys().next().value!);
  }
}

/** Events in the order chained, as the statement takes them: one row per event. */
const EVENT_COLUMNS = 'e(stream, revision, id, type, prev_hash, hash, n)';

/**
 * The compare-and-swap statement over `input` (one row per stream: the head
 * it chains onto and the head it leaves) and `events_in` (one row per event),
 * which `inputs` defines; data and metadata are JSON arrays in event order.
 */
const casStatement = (inputs: string, data: number, metadata: number, channel: number) =>
  `WITH ${inputs}, moved AS (
     UPDATE streams s SET revision = h.revision, last_hash = h.hash
     FROM input h
     WHERE h.from_revision >= 0 AND s.stream = h.stream
       AND s.revision = h.from_revision AND s.last_hash = h.from_hash
     RETURNING s.stream
   ), created AS (
     INSERT INTO streams (stream, revision, last_hash)
     SELECT stream, revision, hash FROM input WHERE from_revision = -1 ORDER BY stream
     ON CONFLICT (stream) DO NOTHING
     RETURNING stream
   ), won AS (
     SELECT stream FROM moved UNION ALL SELECT stream FROM created
   ), inserted AS (
     INSERT INTO events (stream, revision, id, type, data, metadata, prev_hash, hash)
     SELECT e.stream, e.revision, e.id, e.type, $${data}::jsonb -> (e.n - 1)::int,
            $${metadata}::jsonb -> (e.n - 1)::int, e.prev_hash, e.hash
     FROM events_in e
     WHERE e.stream IN (SELECT stream FROM won)
     ORDER BY e.n -- positions must follow revisions; the join alone may reorder rows
     RETURNING stream, position
   )
   SELECT i.stream, max(i.position)::text AS position, pg_current_xact_id()::text AS txid
   FROM inserted i CROSS JOIN (SELECT pg_notify($${channel}, '')) AS wake
   GROUP BY i.stream`;

const CAS_APPEND = casStatement(
  `input AS (
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])
       AS h(stream, from_revision, from_hash, revision, hash)
   ), events_in AS (
     SELECT * FROM unnest($6::text[], $7::bigint[], $8::uuid[], $9::text[], $12::text[], $13::text[])
       WITH ORDINALITY AS ${EVENT_COLUMNS}
   )`,
  10,
  11,
  14,
);

/**
 * For the common case of one event per stream (a gateway commit: one reading
 * per meter), each event's revision, prevHash and hash are also its stream's
 * heads: sent once instead of twice (8 parameters instead of 13, without a
 * second copy of each stream's name, revision and two 64-digit hashes), so
 * node-postgres and Postgres both parse less.
 */
const CAS_APPEND_SINGLES = casStatement(
  `events_in AS (
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[])
       WITH ORDINALITY AS ${EVENT_COLUMNS}
   ), input AS (
     SELECT stream, revision - 1 AS from_revision, prev_hash AS from_hash, revision, hash
     FROM events_in
   )`,
  7,
  8,
  9,
);

/**
 * Appends what it can in one statement; returns what was written per stream.
 * Streams missing from the result must take the locked path. Throws (writing
 * nothing, the statement being atomic) if an event id is already stored.
 */
export async function casAppend(
  db: SqlExecutor,
  appends: PreparedAppend[],
  assumed: (stream: string) => StreamHead,
  channel: string,
): Promise<Map<string, Written>> {
  const { cols, heads } = chainBatch(appends, assumed);
  const events = [
    textArray(cols.stream),
    integerArray(cols.revision),
    textArray(cols.id),
    textArray(cols.type),
  ];
  const [data, metadata] = [jsonArray(cols.data), jsonArray(cols.metadata)];
  const hashes = [textArray(cols.prevHash), textArray(cols.hash)];
  const { rows } = appends.every((append) => append.events.length === 1)
    ? await db.query<CasRow>(CAS_APPEND_SINGLES, [...events, ...hashes, data, metadata, channel])
    : await db.query<CasRow>(CAS_APPEND, [
        textArray(heads.stream),
        integerArray(heads.fromRevision),
        textArray(heads.fromHash),
        integerArray(heads.revision),
        textArray(heads.hash),
        ...events,
        data,
        metadata,
        ...hashes,
        channel,
      ]);
  return writtenHeads(rows, heads);
}
