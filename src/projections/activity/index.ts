// Read model `activity`: one row per event, whatever its type (stream,
// revision, type, actor, time), for the auditor's per-entity history. Data
// stays in the log: auditors open the event itself when they need it. One
// multi-row INSERT per batch, because it sees every reading too.

import type { SqlExecutor } from '../../db/sql.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { eventActor, eventTime } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE activity (
  stream text NOT NULL,
  revision bigint NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  actor text,
  at timestamptz NOT NULL,
  PRIMARY KEY (stream, revision)
);
CREATE INDEX activity_actor ON activity (actor, at)`;

// No ON CONFLICT: runners and rebuilds apply each event exactly once (the
// runner skips what its stored checkpoint covers, under its lock), so a
// duplicate would be a bug to surface, and a plain insert costs about half.
async function record(tx: SqlExecutor, events: RecordedEvent[]) {
  await tx.query(
    `INSERT INTO activity (stream, revision, event_id, type, actor, at)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
    [
      events.map((e) => e.stream),
      events.map((e) => e.revision),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map(eventActor),
      events.map(eventTime),
    ],
  );
}

export const activityProjection: Projection = {
  name: 'activity',
  version: 1,
  schemaSql,
  tables: ['activity'],
  queryIndexes: ['activity_actor'],
  handlers: {},
  everyEvent: record,
};

export interface ActivityRow {
  stream: string;
  revision: number;
  eventId: string;
  type: string;
  actor: string | null;
  at: Date;
}

/** One entity's history (its stream), oldest first. */
export async function activityOf(
  db: SqlExecutor,
  stream: string,
  page: { fromRevision?: number; limit?: number } = {},
): Promise<ActivityRow[]> {
  const { rows } = await db.query<ActivityRow>(
    `SELECT stream, revision, event_id AS "eventId", type, actor, at FROM read.activity
     WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
    [stream, page.fromRevision ?? 0, page.limit ?? 500],
  );
  return rows;
}

/** What one actor did, newest first. */
export async function activityBy(
  db: SqlExecutor,
  actor: string,
  limit = 500,
): Promise<ActivityRow[]> {
  const { rows } = await db.query<ActivityRow>(
    `SELECT stream, revision, event_id AS "eventId", type, actor, at FROM read.activity
     WHERE actor = $1 ORDER BY at DESC, stream, revision LIMIT $2`,
    [actor, limit],
  );
  return rows;
}
