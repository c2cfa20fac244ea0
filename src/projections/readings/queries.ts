// Queries over the `readings` read model: a meter's time series and
// consumption per day or month for a meter or a property.

import type { SqlExecutor } from '../../db/sql.ts';
import { memberCondition } from '../properties/index.ts';

export interface ReadingRow {
  eventId: string;
  seq: number;
  registerWh: number;
  deltaWh: number;
  readAt: Date;
  runId: string | null;
}

const READINGS_SQL = (
  meter: string,
) => `SELECT event_id AS "eventId", seq, register_wh AS "registerWh",
     delta_wh AS "deltaWh", read_at AS "readAt", run_id AS "runId"
   FROM read.meter_readings
   WHERE meter_id = ${meter} AND ($2::timestamptz IS NULL OR read_at >= $2)
     AND ($3::timestamptz IS NULL OR read_at < $3)
   ORDER BY seq LIMIT $4`;

type Range = { from?: string; to?: string; limit?: number };
const rangeParams = (range: Range) => [range.from ?? null, range.to ?? null, range.limit ?? 10_000];

/** A meter's readings in seq order, optionally within [from, to). */
export async function meterReadings(
  db: SqlExecutor,
  meterId: string,
  range: Range = {},
): Promise<ReadingRow[]> {
  const { rows } = await db.query<ReadingRow>(READINGS_SQL('$1'), [meterId, ...rangeParams(range)]);
  return rows;
}

/**
 * The readings of a property's current meter, only if `memberId` owns or
 * rents the property (none otherwise): the ownership check in the same query.
 */
export async function memberPropertyReadings(
  db: SqlExecutor,
  scope: { propertyId: string; memberId: string },
  range: Range = {},
): Promise<ReadingRow[]> {
  const meter = `(SELECT meter_id FROM read.properties WHERE property_id = $1
     AND ${memberCondition('$1', '$5')})`;
  const { rows } = await db.query<ReadingRow>(READINGS_SQL(meter), [
    scope.propertyId,
    ...rangeParams(range),
    scope.memberId,
  ]);
  return rows;
}

export interface ConsumptionRow {
  /** YYYY-MM-DD for daily, YYYY-MM for monthly. */
  period: string;
  wh: number;
  readings: number;
}

/** One meter, or one property (with `memberId`: only if that account owns or rents it). */
type Scope = { meterId: string } | { propertyId: string; memberId?: string };

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
  const memberId = 'memberId' in scope ? scope.memberId : undefined;
  const member = memberId === undefined ? '' : ` AND ${memberCondition('$1', '$2')}`;
  const { rows } = await db.query<ConsumptionRow>(
    `SELECT ${column} AS period, sum(wh)::bigint AS wh, sum(readings)::integer AS readings
     FROM read.${table} WHERE ${field} = $1${member} GROUP BY 1 ORDER BY 1`,
    memberId === undefined ? [id] : [id, memberId],
  );
  return rows;
}
