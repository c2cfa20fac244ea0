// Reading the log. Stream reads see every committed event; log reads
// (readAll, headPosition) see only transactions older than the oldest one
// still running, ordered by (transaction_id, position), so an event whose
// transaction commits late can never land behind a reader's checkpoint.

import type { SqlExecutor } from '../../db/sql.ts';
import type { JsonObject, RecordedEvent } from '../port.ts';
import { decodePosition, encodePosition } from './positions.ts';

interface EventRow {
  txid: string;
  pos: string;
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

// Output names differ from column names on purpose: ORDER BY would otherwise
// pick the text alias and sort positions as strings.
const COLUMNS = `transaction_id::text AS txid, position::text AS pos, stream, revision, id::text AS id,
  type, data, metadata, (extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms, prev_hash, hash`;

// Visible to log readers: transactions that had finished when the statement began.
const SETTLED = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

const toEvent = (row: EventRow): RecordedEvent => ({
  id: row.id,
  stream: row.stream,
  revision: Number(row.revision),
  position: encodePosition(row.txid, row.pos),
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

export async function headPositionRow(db: SqlExecutor): Promise<string | null> {
  const { rows } = await db.query<{ txid: string; pos: string }>(
    `SELECT transaction_id::text AS txid, position::text AS pos FROM events
     WHERE ${SETTLED} ORDER BY transaction_id DESC, position DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? encodePosition(row.txid, row.pos) : null;
}

export async function streamRevisionRow(db: SqlExecutor, stream: string): Promise<number> {
  const { rows } = await db.query<{ revision: number | string }>(
    'SELECT revision FROM streams WHERE stream = $1',
    [stream],
  );
  return rows[0] ? Number(rows[0].revision) : -1;
}
