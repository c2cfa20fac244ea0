// Read model `inventory`: gateways and meters for the admin dashboard
// (status, current key, assignment, last reading, last seen, tamper alarms).
// Online/offline is not an event: the gateway reports connections straight
// into `read.meter_presence` (recordMeterPresence), which no rebuild touches;
// `listMeters` merges both, taking the later of the two "last seen" times.

import type { SqlExecutor } from '../../db/sql.ts';
import { gatewayEvents } from '../../domain/gateway/events.ts';
import { meterEvents } from '../../domain/meter/events.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { dataReader, streamId } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE gateways (
  gateway_id text PRIMARY KEY,
  name text NOT NULL,
  state text NOT NULL,
  city text NOT NULL,
  pincode text NOT NULL,
  public_key text NOT NULL,
  status text NOT NULL,
  status_reason text,
  registered_at timestamptz NOT NULL
);
CREATE TABLE meters (
  meter_id text PRIMARY KEY,
  serial text NOT NULL,
  kind text NOT NULL,
  public_key text NOT NULL,
  status text NOT NULL,
  status_reason text,
  property_id text,
  gateway_id text,
  registered_at timestamptz NOT NULL,
  last_seq bigint,
  last_register_wh bigint,
  last_read_at timestamptz,
  last_reading_event_id text,
  last_seen_at timestamptz,
  tamper_alarms integer NOT NULL DEFAULT 0
);
CREATE INDEX meters_gateway ON meters (gateway_id)`;

const g = dataReader(gatewayEvents);
const m = dataReader(meterEvents);

const gateway = (tx: SqlExecutor, e: RecordedEvent, assignments: string, params: unknown[] = []) =>
  tx.query(`UPDATE gateways SET ${assignments} WHERE gateway_id = $1`, [streamId(e), ...params]);
const meter = (tx: SqlExecutor, e: RecordedEvent, assignments: string, params: unknown[] = []) =>
  tx.query(`UPDATE meters SET ${assignments} WHERE meter_id = $1`, [streamId(e), ...params]);

/** Only each meter's last reading of the batch matters: one UPDATE for all of them. */
async function readingsBatch(tx: SqlExecutor, events: RecordedEvent[]) {
  const last = new Map<string, RecordedEvent>();
  for (const e of events) last.set(streamId(e), e);
  const rows = [...last.entries()];
  const r = (e: RecordedEvent) => m('ReadingRecorded', e);
  await tx.query(
    `UPDATE meters SET last_seq = u.seq, last_register_wh = u.wh, last_read_at = u.read_at,
       last_reading_event_id = u.event_id, last_seen_at = u.seen
     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[], $6::timestamptz[])
       AS u(meter_id, seq, wh, read_at, event_id, seen)
     WHERE meters.meter_id = u.meter_id`,
    [
      rows.map(([id]) => id),
      rows.map(([, e]) => r(e).seq),
      rows.map(([, e]) => r(e).registerWh),
      rows.map(([, e]) => r(e).readAt),
      rows.map(([, e]) => e.id),
      rows.map(([, e]) => r(e).receivedAt),
    ],
  );
}

export const inventoryProjection: Projection = {
  name: 'inventory',
  version: 1,
  schemaSql,
  tables: ['gateways', 'meters'],
  handlers: {
    GatewayRegistered: (tx, e) => {
      const r = g('GatewayRegistered', e);
      return tx.query(
        `INSERT INTO gateways (gateway_id, name, state, city, pincode, public_key, status, registered_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'enabled', $7) ON CONFLICT (gateway_id) DO NOTHING`,
        [r.gatewayId, r.name, r.state, r.city, r.pincode, r.publicKey, r.registeredAt],
      );
    },
    GatewayKeyRotated: (tx, e) =>
      gateway(tx, e, 'public_key = $2', [g('GatewayKeyRotated', e).publicKey]),
    GatewayDisabled: (tx, e) =>
      gateway(tx, e, "status = 'disabled', status_reason = $2", [g('GatewayDisabled', e).reason]),
    GatewayEnabled: (tx, e) => gateway(tx, e, "status = 'enabled', status_reason = NULL"),
    MeterRegistered: (tx, e) => {
      const r = m('MeterRegistered', e);
      return tx.query(
        `INSERT INTO meters (meter_id, serial, kind, public_key, status, registered_at)
         VALUES ($1, $2, $3, $4, 'enabled', $5) ON CONFLICT (meter_id) DO NOTHING`,
        [r.meterId, r.serial, r.kind, r.publicKey, r.registeredAt],
      );
    },
    MeterAssigned: (tx, e) => {
      const a = m('MeterAssigned', e);
      return meter(tx, e, 'property_id = $2, gateway_id = $3', [a.propertyId, a.gatewayId]);
    },
    MeterUnassigned: (tx, e) => meter(tx, e, 'property_id = NULL, gateway_id = NULL'),
    MeterKeyRotated: (tx, e) =>
      meter(tx, e, 'public_key = $2', [m('MeterKeyRotated', e).publicKey]),
    MeterDisabled: (tx, e) =>
      meter(tx, e, "status = 'disabled', status_reason = $2", [m('MeterDisabled', e).reason]),
    MeterEnabled: (tx, e) => meter(tx, e, "status = 'enabled', status_reason = NULL"),
    TamperAlarmRaised: (tx, e) => {
      const t = m('TamperAlarmRaised', e);
      return meter(tx, e, 'last_seq = $2, last_seen_at = $3, tamper_alarms = tamper_alarms + 1', [
        t.seq,
        t.receivedAt,
      ]);
    },
  },
  batchHandlers: { ReadingRecorded: readingsBatch },
};
