// Queries over the `readings` read model: a meter's time series and
// consumption per day or month for a meter or a property.

import type { SqlExecutor } from '../../db/sql.ts';

export interface ReadingRow {
  eventId: string;
  seq: number;
  registerWh: number;
  deltaWh: number;
  readAt: Date;
  runId: string | null;
}

/** A meter's readings in seq order, optionally within [from, to). */
export async function meterReadings(
  db: SqlExecutor,
  meterId: string,
  range: { from?: string; to?: string; limit?: number } = {},
): Promise<ReadingRow[]> {
  const { rows } = await db.query<ReadingRow>(
    `SELECT event_id AS "eventId", seq, register_wh AS "registerWh", delta_wh AS "deltaWh",
       read_at AS "readAt", run_id AS "runId"
     FROM read.meter_readings
     WHERE meter_id = $1 AND ($2::timestamptz IS NULL OR read_at >= $2)
       AND ($3::timestamptz IS NULL OR read_at < $3)
     ORDER BY seq LIMIT $4`,
    [meterId, range.from ?? null, range.to ?? null, range.limit ?? 10_000],
  );
  return rows;
}

export interface ConsumptionRow {
  /** YYYY-MM-DD for daily, YYYY-MM for monthly. */
  period: string;
  wh: number;
  readings: number;
}

type Scope = { meterId: string } | { propertyId: string };

/** Consumption per IST day or month, summed over the scope (one meter or one property). */
export async function consumption(
  db: SqlExecutor,
  scope: Scope,
  granularity: 'daily' | 'monthly',
): Promise<ConsumptionRow[]> {
  const [table, column] =
    granularity === 'daily'
      ? ['consumption_daily', "to_char(day, 'YYYY-MM-DD')"]
      : ['consumption_monthly', 'month'];
  const [field, id] =
    'meterId' in scope ? ['meter_id', scope.meterId] : ['property_id', scope.propertyId];
  const { rows } = await db.query<ConsumptionRow>(
    `SELECT ${column} AS period, sum(wh)::bigint AS wh, sum(readings)::integer AS readings
     FROM read.${table} WHERE ${field} = $1 GROUP BY 1 ORDER BY 1`,
    [id],
  );
  return rows;
}
