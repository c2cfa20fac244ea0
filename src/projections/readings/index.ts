// Read model `readings`: every accepted reading per meter (the consumption
// chart) and consumption per meter and property per day and per month, as
// Wh deltas between consecutive readings. A delta counts on the day (and
// month) of the later reading, in India Standard Time, the utility's civil
// day; a meter's first reading has nothing before it and adds 0. The property
// is the one the meter was assigned to when the reading arrived.

import type { SqlExecutor } from '../../db/sql.ts';
import { meterEvents } from '../../domain/meter/events.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { dataReader, streamId } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE meter_readings (
  event_id text PRIMARY KEY,
  meter_id text NOT NULL,
  property_id text,
  seq bigint NOT NULL,
  register_wh bigint NOT NULL,
  delta_wh bigint NOT NULL,
  read_at timestamptz NOT NULL,
  run_id text
);
CREATE INDEX meter_readings_meter ON meter_readings (meter_id, seq);
CREATE TABLE reading_meters (
  meter_id text PRIMARY KEY,
  property_id text,
  last_register_wh bigint
);
CREATE TABLE consumption_daily (
  meter_id text NOT NULL,
  property_id text NOT NULL,
  day date NOT NULL,
  wh bigint NOT NULL,
  readings integer NOT NULL,
  PRIMARY KEY (meter_id, property_id, day)
);
CREATE INDEX consumption_daily_property ON consumption_daily (property_id, day);
CREATE TABLE consumption_monthly (
  meter_id text NOT NULL,
  property_id text NOT NULL,
  month text NOT NULL,
  wh bigint NOT NULL,
  readings integer NOT NULL,
  PRIMARY KEY (meter_id, property_id, month)
);
CREATE INDEX consumption_monthly_property ON consumption_monthly (property_id, month)`;

const m = dataReader(meterEvents);
const IST_OFFSET_MS = 330 * 60_000;
/** YYYY-MM-DD of an instant in India Standard Time (no DST, fixed offset). */
export const istDay = (instant: string): string =>
  new Date(Date.parse(instant) + IST_OFFSET_MS).toISOString().slice(0, 10);

interface Bucket {
  meterId: string;
  propertyId: string;
  key: string;
  wh: number;
  readings: number;
}

const addTo = (
  buckets: Map<string, Bucket>,
  meterId: string,
  propertyId: string,
  key: string,
  wh: number,
) => {
  const id = `${meterId}\u0000${propertyId}\u0000${key}`;
  const bucket = buckets.get(id) ?? { meterId, propertyId, key, wh: 0, readings: 0 };
  bucket.wh += wh;
  bucket.readings += 1;
  buckets.set(id, bucket);
};

const upsertBuckets = (
  tx: SqlExecutor,
  table: string,
  column: string,
  type: string,
  buckets: Bucket[],
) =>
  tx.query(
    `INSERT INTO ${table} (meter_id, property_id, ${column}, wh, readings)
     SELECT * FROM unnest($1::text[], $2::text[], $3::${type}[], $4::bigint[], $5::integer[])
     ON CONFLICT (meter_id, property_id, ${column}) DO UPDATE
     SET wh = ${table}.wh + excluded.wh, readings = ${table}.readings + excluded.readings`,
    [
      buckets.map((b) => b.meterId),
      buckets.map((b) => b.propertyId),
      buckets.map((b) => b.key),
      buckets.map((b) => b.wh),
      buckets.map((b) => b.readings),
    ],
  );

async function readingsBatch(tx: SqlExecutor, events: RecordedEvent[]) {
  const meterIds = [...new Set(events.map(streamId))];
  const { rows } = await tx.query<{
    meter_id: string;
    property_id: string | null;
    last_register_wh: number | null;
  }>(
    'SELECT meter_id, property_id, last_register_wh FROM reading_meters WHERE meter_id = ANY($1)',
    [meterIds],
  );
  const heads = new Map(rows.map((r) => [r.meter_id, r]));
  const daily = new Map<string, Bucket>();
  const monthly = new Map<string, Bucket>();
  const inserted = events.map((e) => {
    const r = m('ReadingRecorded', e);
    const meterId = streamId(e);
    const head = heads.get(meterId) ?? {
      meter_id: meterId,
      property_id: null,
      last_register_wh: null,
    };
    const delta = head.last_register_wh === null ? 0 : r.registerWh - head.last_register_wh;
    heads.set(meterId, { ...head, last_register_wh: r.registerWh });
    const day = istDay(r.readAt);
    const propertyId = head.property_id ?? '';
    addTo(daily, meterId, propertyId, day, delta);
    addTo(monthly, meterId, propertyId, day.slice(0, 7), delta);
    return { id: e.id, meterId, propertyId: head.property_id, r, delta };
  });
  // No ON CONFLICT: the runner applies each event exactly once (its checkpoint
  // commits with the rows), and a reading applied twice would already have
  // moved the meter's head and consumption, so skipping the row could only
  // hide that. A plain insert costs about half as much as a speculative one.
  await tx.query(
    `INSERT INTO meter_readings (event_id, meter_id, property_id, seq, register_wh, delta_wh, read_at, run_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
       $7::timestamptz[], $8::text[])`,
    [
      inserted.map((i) => i.id),
      inserted.map((i) => i.meterId),
      inserted.map((i) => i.propertyId),
      inserted.map((i) => i.r.seq),
      inserted.map((i) => i.r.registerWh),
      inserted.map((i) => i.delta),
      inserted.map((i) => i.r.readAt),
      inserted.map((i) => i.r.runId),
    ],
  );
  const changed = meterIds.map((id) => heads.get(id)!);
  await tx.query(
    `INSERT INTO reading_meters (meter_id, property_id, last_register_wh)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (meter_id) DO UPDATE SET last_register_wh = excluded.last_register_wh`,
    [
      changed.map((h) => h.meter_id),
      changed.map((h) => h.property_id),
      changed.map((h) => h.last_register_wh),
    ],
  );
  await upsertBuckets(tx, 'consumption_daily', 'day', 'date', [...daily.values()]);
  await upsertBuckets(tx, 'consumption_monthly', 'month', 'text', [...monthly.values()]);
}

const assign = (tx: SqlExecutor, meterId: string, propertyId: string | null) =>
  tx.query(
    `INSERT INTO reading_meters (meter_id, property_id) VALUES ($1, $2)
     ON CONFLICT (meter_id) DO UPDATE SET property_id = excluded.property_id`,
    [meterId, propertyId],
  );

export const readingsProjection: Projection = {
  name: 'readings',
  version: 1,
  schemaSql,
  tables: ['meter_readings', 'reading_meters', 'consumption_daily', 'consumption_monthly'],
  queryIndexes: [
    'meter_readings_meter',
    'consumption_daily_property',
    'consumption_monthly_property',
  ],
  handlers: {
    MeterAssigned: (tx, e) => assign(tx, streamId(e), m('MeterAssigned', e).propertyId),
    MeterUnassigned: (tx, e) => assign(tx, streamId(e), null),
  },
  batchHandlers: { ReadingRecorded: readingsBatch },
};
