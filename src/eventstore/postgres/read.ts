// Reading the log. Stream reads see every committed event; log reads
// (readAll, headPosition) see only transactions older than the oldest one
// still running, ordered by (transaction_id, position), so an event whose
// transaction commits late can never land behind a reader's checkpoint.

import type { SqlExecutor } from '../../db/sql.ts';
import type { JsonObject, RecordedEvent, StreamRead } from '../port.ts';
import type { LogPage } from '../catch-up.ts';
import type { SubscribeFilter } from '../subscribe-filter.ts';
import { decodePosition } from './positions.ts';

interface EventRow {
  log_position: string;
  stream: string;
  revision: number | string;
  id: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  recorded_ms: number;
  prev_hash: string;
  hash: string;
}

// The encoded position (positions.ts: both parts zero-padded to 20 digits) is
// built by the server, which is measurably cheaper than padding each row in
// JS. Output names differ from column names on purpose: ORDER BY would
// otherwise pick a text alias and sort positions as strings.
const LOG_POSITION = `lpad(transaction_id::text, 20, '0') || ':' || lpad(position::text, 20, '0')`;
const COLUMNS = `${LOG_POSITION} AS log_position, stream, revision, id::text AS id, type, data,
  metadata, (extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms, prev_hash, hash`;

// Visible to log readers: transactions that had finished when the statement began.
const SETTLED = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

const toEvent = (row: EventRow): RecordedEvent => ({
  id: row.id,
  stream: row.stream,
  revision: Number(row.revision),
  position: row.log_position,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  recordedAt: new Date(row.recorded_ms),
  prevHash: row.prev_hash,
  hash: row.hash,
});

export async function readStreamRows(
  db: SqlExecutor,
  stream: string,
  fromRevision: number,
  limit: number | null,
): Promise<RecordedEvent[]> {
  const { rows } = await db.query<EventRow>(
    `SELECT ${COLUMNS} FROM events WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
    [stream, fromRevision, limit],
  );
  return rows.map(toEvent);
}

/**
 * Many streams in one statement: each request's rows come from its own
 * index range scan (LATERAL, with its own LIMIT), tagged with the request's
 * ordinal, so a stream asked for twice, or with different ranges, reads right.
 */
export async function readStreamsRows(
  db: SqlExecutor,
  reads: readonly StreamRead[],
): Promise<RecordedEvent[][]> {
  const results: RecordedEvent[][] = reads.map(() => []);
  if (reads.length === 0) return results;
  const { rows } = await db.query<EventRow & { request: number }>(
    `SELECT r.request::int AS request, e.* FROM
       unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(stream, from_revision, max_count, request)
       CROSS JOIN LATERAL (
         SELECT ${COLUMNS} FROM events
         WHERE stream = r.stream AND revision >= r.from_revision
         ORDER BY revision LIMIT r.max_count
       ) e
     ORDER BY r.request, e.revision`,
    [
      reads.map((r) => r.stream),
      reads.map((r) => r.fromRevision ?? 0),
      reads.map((r) => r.limit ?? null),
    ],
  );
  for (const row of rows) results[row.request - 1]!.push(toEvent(row));
  return results;
}

export async function readAllRows(
  db: SqlExecutor,
  after: string | undefined,
  limit: number,
): Promise<RecordedEvent[]> {
  if (after === undefined) {
    const { rows } = await db.query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE ${SETTLED} ORDER BY transaction_id, position LIMIT $1`,
      [limit],
    );
    return rows.map(toEvent);
  }
  const from = decodePosition(after);
  const { rows } = await db.query<EventRow>(
    `SELECT ${COLUMNS} FROM events
     WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint) AND ${SETTLED}
     ORDER BY transaction_id, position LIMIT $3`,
    [from.transactionId.toString(), from.position.toString(), limit],
  );
  return rows.map(toEvent);
}

const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * A filtered log page in one statement. The scan is the unfiltered one, the
 * same index range in log order with at most `window` entries, kept in a
 * materialized CTE with only the columns the filter needs, so a filter can
 * never turn it into a scan of another index; the matching rows (at most
 * `limit`) are then fetched whole by primary key. Rows left out are never
 * shipped or parsed, and `readTo` lets the caller step past them.
 */
export async function readMatchingRows(
  db: SqlExecutor,
  after: string | undefined,
  filter: SubscribeFilter,
  window: number,
  limit: number,
): Promise<LogPage> {
  const from = after === undefined ? null : decodePosition(after);
  const { rows } = await db.query<
    Partial<EventRow> & { read_to: string; scanned: number; tx: string | null }
  >(
    `WITH scanned AS MATERIALIZED (
       SELECT transaction_id, position, stream, type FROM events
       WHERE ($1::text IS NULL OR (transaction_id, position) > ($1::text::xid8, $2::bigint))
         AND ${SETTLED}
       ORDER BY transaction_id, position LIMIT $3
     ), last AS (
       SELECT ${LOG_POSITION} AS read_to, (SELECT count(*) FROM scanned)::int AS scanned
       FROM scanned ORDER BY transaction_id DESC, position DESC LIMIT 1
     )
     SELECT last.read_to, last.scanned, e.* FROM last LEFT JOIN LATERAL (
       SELECT ${COLUMNS}, transaction_id AS tx, position AS pos FROM events
       WHERE position = ANY (ARRAY(
         SELECT position FROM scanned
         WHERE ($4::text[] IS NULL OR stream LIKE ANY ($4::text[]))
           AND ($5::text[] IS NULL OR type = ANY ($5::text[]))
         ORDER BY transaction_id, position LIMIT $6))
     ) e ON true
     ORDER BY e.tx, e.pos`,
    [
      from?.transactionId.toString() ?? null,
      from?.position.toString() ?? null,
      window,
      filter.streamPrefixes?.map(likePrefix) ?? null,
      filter.eventTypes ?? null,
      limit,
    ],
  );
  const first = rows[0];
  if (!first) return { events: [], readTo: undefined, more: false };
  const events = first.tx === null ? [] : rows.map((row) => toEvent(row as EventRow));
  const full = events.length === limit;
  return {
    events,
    // A full batch may stop before the end of the window: resume after its last event.
    readTo: full ? events[events.length - 1]!.position : first.read_to,
    more: full || first.scanned === window,
  };
}

export async function headPositionRow(db: SqlExecutor): Promise<string | null> {
  const { rows } = await db.query<{ log_position: string }>(
    `SELECT ${LOG_POSITION} AS log_position FROM events
     WHERE ${SETTLED} ORDER BY transaction_id DESC, position DESC LIMIT 1`,
  );
  return rows[0]?.log_position ?? null;
}

export async function streamRevisionRow(db: SqlExecutor, stream: string): Promise<number> {
  const { rows } = await db.query<{ revision: number | string }>(
    'SELECT revision FROM streams WHERE stream = $1',
    [stream],
  );
  return rows[0] ? Number(rows[0].revision) : -1;
}
