// Queries over the `inventory` read model, and the gateway's direct write of
// meter presence (connection state is not an event, so it is not rebuilt).

import type { SqlExecutor } from '../../db/sql.ts';

export interface GatewayRow {
  gatewayId: string;
  name: string;
  state: string;
  city: string;
  pincode: string;
  publicKey: string;
  status: 'enabled' | 'disabled';
}

export interface MeterRow {
  meterId: string;
  serial: string;
  kind: string;
  publicKey: string;
  status: 'enabled' | 'disabled';
  statusReason: string | null;
  propertyId: string | null;
  gatewayId: string | null;
  lastSeq: number | null;
  lastRegisterWh: number | null;
  lastReadAt: Date | null;
  /** Later of the last stored reading and the last connection the gateway reported. */
  lastSeenAt: Date | null;
  /** As the gateway last reported; false when it never did. */
  online: boolean;
  tamperAlarms: number;
}

export async function listGateways(db: SqlExecutor): Promise<GatewayRow[]> {
  const { rows } = await db.query<GatewayRow>(
    `SELECT gateway_id AS "gatewayId", name, state, city, pincode, public_key AS "publicKey", status
     FROM read.gateways ORDER BY name, gateway_id`,
  );
  return rows;
}

/** Meters, optionally of one gateway, by meter id. */
export async function listMeters(
  db: SqlExecutor,
  filter: { gatewayId?: string; meterId?: string } = {},
): Promise<MeterRow[]> {
  const { rows } = await db.query<MeterRow>(
    `SELECT m.meter_id AS "meterId", m.serial, m.kind, m.public_key AS "publicKey", m.status,
       m.status_reason AS "statusReason", m.property_id AS "propertyId", m.gateway_id AS "gatewayId",
       m.last_seq AS "lastSeq", m.last_register_wh AS "lastRegisterWh", m.last_read_at AS "lastReadAt",
       greatest(m.last_seen_at, p.last_seen_at) AS "lastSeenAt", coalesce(p.online, false) AS online,
       m.tamper_alarms AS "tamperAlarms"
     FROM read.meters m LEFT JOIN read.meter_presence p USING (meter_id)
     WHERE ($1::text IS NULL OR m.gateway_id = $1) AND ($2::text IS NULL OR m.meter_id = $2)
     ORDER BY m.meter_id`,
    [filter.gatewayId ?? null, filter.meterId ?? null],
  );
  return rows;
}

export async function getMeter(db: SqlExecutor, meterId: string): Promise<MeterRow | null> {
  return (await listMeters(db, { meterId }))[0] ?? null;
}

/**
 * For the gateway: a meter connected (online) or its connection closed.
 * Reports older than the stored one are ignored, so out-of-order calls
 * from two gateway processes cannot flip a meter back.
 */
export async function recordMeterPresence(
  db: SqlExecutor,
  presence: { meterId: string; gatewayId: string; online: boolean; at: string },
): Promise<void> {
  await db.query(
    `INSERT INTO read.meter_presence (meter_id, gateway_id, online, last_seen_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (meter_id) DO UPDATE
     SET gateway_id = excluded.gateway_id, online = excluded.online, last_seen_at = excluded.last_seen_at
     WHERE read.meter_presence.last_seen_at <= excluded.last_seen_at`,
    [presence.meterId, presence.gatewayId, presence.online, presence.at],
  );
}
