// Read model `billruns`: each run's live progress for the dashboard (meters
// asked, answered, billed, missed, skipped, status) and the state of every
// meter in it. Counts are recomputed from the meter rows once per run per
// batch, with the same rules as billRunProgress in the domain. A batch event
// (up to 1,000 meters asked, answered, billed or skipped) is one statement;
// runs written before them hold one event per meter, handled alike.

import type { SqlExecutor } from '../../db/sql.ts';
import { billRunEvents } from '../../domain/billrun/events.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { dataReader, streamId } from '../events.ts';
import type { BatchHandler, EventHandler, Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE bill_runs (
  run_id text PRIMARY KEY,
  period text NOT NULL,
  deadline timestamptz NOT NULL,
  status text NOT NULL,
  started_by text NOT NULL,
  started_at timestamptz NOT NULL,
  completed_at timestamptz,
  total integer NOT NULL DEFAULT 0,
  asked integer NOT NULL DEFAULT 0,
  answered integer NOT NULL DEFAULT 0,
  billed integer NOT NULL DEFAULT 0,
  missed integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0
);
CREATE TABLE bill_run_meters (
  run_id text NOT NULL,
  meter_id text NOT NULL,
  property_id text NOT NULL,
  status text NOT NULL,
  asked boolean NOT NULL DEFAULT false,
  reading_event_id text,
  bill_id text,
  skip_reason text,
  PRIMARY KEY (run_id, meter_id)
)`;

const d = dataReader(billRunEvents);

const meter = (
  tx: SqlExecutor,
  e: RecordedEvent,
  meterId: string,
  assignments: string,
  params: unknown[] = [],
) =>
  tx.query(`UPDATE bill_run_meters SET ${assignments} WHERE run_id = $1 AND meter_id = $2`, [
    streamId(e),
    meterId,
    ...params,
  ]);

const listMeters = (
  tx: SqlExecutor,
  runId: string,
  meters: { meterId: string; propertyId: string }[],
) =>
  tx.query(
    `INSERT INTO bill_run_meters (run_id, meter_id, property_id, status)
     SELECT $1, meter_id, property_id, 'pending' FROM unnest($2::text[], $3::text[]) AS m(meter_id, property_id)
     ON CONFLICT (run_id, meter_id) DO NOTHING`,
    [runId, meters.map((m) => m.meterId), meters.map((m) => m.propertyId)],
  );

/** Sets one column of each listed meter of the event's run, with a status when given. */
const meters = (
  tx: SqlExecutor,
  e: RecordedEvent,
  entries: { meterId: string; value: string }[],
  column: 'reading_event_id' | 'bill_id' | 'skip_reason',
  status: 'answered' | 'billed' | 'skipped',
) =>
  tx.query(
    `UPDATE bill_run_meters m SET status = $4, ${column} = v.value
     FROM unnest($2::text[], $3::text[]) AS v(meter_id, value)
     WHERE m.run_id = $1 AND m.meter_id = v.meter_id`,
    [streamId(e), entries.map((x) => x.meterId), entries.map((x) => x.value), status],
  );

const handlers: Record<string, EventHandler> = {
  BillRunStarted: async (tx, e) => {
    const s = d('BillRunStarted', e);
    await tx.query(
      `INSERT INTO bill_runs (run_id, period, deadline, status, started_by, started_at)
       VALUES ($1, $2, $3, 'open', $4, $5) ON CONFLICT (run_id) DO NOTHING`,
      [s.runId, s.period, s.deadline, s.startedBy, s.startedAt],
    );
    await listMeters(tx, s.runId, s.meters);
  },
  BillRunMetersListed: (tx, e) => listMeters(tx, streamId(e), d('BillRunMetersListed', e).meters),
  MeterReadsRequested: (tx, e) =>
    tx.query(
      'UPDATE bill_run_meters SET asked = true WHERE run_id = $1 AND meter_id = ANY($2::text[])',
      [streamId(e), d('MeterReadsRequested', e).meterIds],
    ),
  MetersAnswered: (tx, e) => {
    const answers = d('MetersAnswered', e).answers;
    const entries = answers.map((a) => ({ meterId: a.meterId, value: a.readingEventId }));
    return meters(tx, e, entries, 'reading_event_id', 'answered');
  },
  MetersBilled: (tx, e) => {
    const entries = d('MetersBilled', e).bills.map((b) => ({
      meterId: b.meterId,
      value: b.billId,
    }));
    return meters(tx, e, entries, 'bill_id', 'billed');
  },
  MetersSkipped: (tx, e) => {
    const skipped = d('MetersSkipped', e).skipped;
    const entries = skipped.map((s) => ({ meterId: s.meterId, value: s.reason }));
    return meters(tx, e, entries, 'skip_reason', 'skipped');
  },
  MeterReadRequested: (tx, e) => meter(tx, e, d('MeterReadRequested', e).meterId, 'asked = true'),
  MeterAnswered: (tx, e) => {
    const a = d('MeterAnswered', e);
    return meter(tx, e, a.meterId, "status = 'answered', reading_event_id = $3", [
      a.readingEventId,
    ]);
  },
  MeterReadingMissed: (tx, e) =>
    meter(tx, e, d('MeterReadingMissed', e).meterId, "status = 'missed'"),
  MeterBilled: (tx, e) => {
    const b = d('MeterBilled', e);
    return meter(tx, e, b.meterId, "status = 'billed', bill_id = $3", [b.billId]);
  },
  MeterSkipped: (tx, e) => {
    const s = d('MeterSkipped', e);
    return meter(tx, e, s.meterId, "status = 'skipped', skip_reason = $3", [s.reason]);
  },
  BillRunCompleted: (tx, e) =>
    tx.query("UPDATE bill_runs SET status = 'completed', completed_at = $2 WHERE run_id = $1", [
      streamId(e),
      d('BillRunCompleted', e).completedAt,
    ]),
};

/** Applies a run of one event type, then recounts each run it touched once. */
const thenRecount =
  (handler: EventHandler): BatchHandler =>
  async (tx, events) => {
    for (const e of events) await handler(tx, e);
    await tx.query(
      `UPDATE bill_runs r SET total = c.total, asked = c.asked, answered = c.answered,
         billed = c.billed, missed = c.missed, skipped = c.skipped
       FROM (SELECT run_id, count(*) AS total, count(*) FILTER (WHERE asked) AS asked,
               count(*) FILTER (WHERE reading_event_id IS NOT NULL) AS answered,
               count(*) FILTER (WHERE status = 'billed') AS billed,
               count(*) FILTER (WHERE status = 'missed') AS missed,
               count(*) FILTER (WHERE status = 'skipped') AS skipped
             FROM bill_run_meters WHERE run_id = ANY($1) GROUP BY run_id) c
       WHERE r.run_id = c.run_id`,
      [[...new Set(events.map(streamId))]],
    );
  };

export const billRunsProjection: Projection = {
  name: 'billruns',
  version: 1,
  schemaSql,
  tables: ['bill_runs', 'bill_run_meters'],
  handlers: {},
  batchHandlers: Object.fromEntries(
    Object.entries(handlers).map(([type, handler]) => [type, thenRecount(handler)]),
  ),
};

export interface BillRunRow {
  runId: string;
  period: string;
  status: 'open' | 'completed';
  deadline: Date;
  startedAt: Date;
  completedAt: Date | null;
  total: number;
  asked: number;
  answered: number;
  billed: number;
  missed: number;
  skipped: number;
}

const SELECT = `SELECT run_id AS "runId", period, status, deadline, started_at AS "startedAt",
  completed_at AS "completedAt", total, asked, answered, billed, missed, skipped FROM read.bill_runs`;

export async function getBillRun(db: SqlExecutor, runId: string): Promise<BillRunRow | null> {
  const { rows } = await db.query<BillRunRow>(`${SELECT} WHERE run_id = $1`, [runId]);
  return rows[0] ?? null;
}

/** Runs, newest first. */
export async function listBillRuns(db: SqlExecutor, limit = 50): Promise<BillRunRow[]> {
  const { rows } = await db.query<BillRunRow>(
    `${SELECT} ORDER BY started_at DESC, run_id LIMIT $1`,
    [limit],
  );
  return rows;
}

export interface BillRunMeterRow {
  meterId: string;
  propertyId: string;
  status: string;
  asked: boolean;
  billId: string | null;
  skipReason: string | null;
}

export async function billRunMeters(db: SqlExecutor, runId: string): Promise<BillRunMeterRow[]> {
  const { rows } = await db.query<BillRunMeterRow>(
    `SELECT meter_id AS "meterId", property_id AS "propertyId", status, asked, bill_id AS "billId",
       skip_reason AS "skipReason" FROM read.bill_run_meters WHERE run_id = $1 ORDER BY meter_id`,
    [runId],
  );
  return rows;
}
