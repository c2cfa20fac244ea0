// Read model `properties`: each property with its owner, tenant, status,
// routing area (city/state/pincode in clear), SEALED address as stored,
// assigned gateway and meter, missed-reading flag, and tenant invitations.
// Pending approvals are a query over it (admins approve by area).

import type { SqlExecutor } from '../../db/sql.ts';
import { propertyEvents } from '../../domain/property/events.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { dataReader, streamId } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE properties (
  property_id text PRIMARY KEY,
  owner_id text NOT NULL,
  tenant_id text,
  status text NOT NULL,
  kind text NOT NULL,
  city text NOT NULL,
  state text NOT NULL,
  pincode text NOT NULL,
  address jsonb NOT NULL,
  gateway_id text,
  meter_id text,
  missed_run_id text,
  missed_period text,
  status_reason text,
  added_at timestamptz NOT NULL,
  approved_at timestamptz
);
CREATE INDEX properties_owner ON properties (owner_id);
CREATE INDEX properties_tenant ON properties (tenant_id);
CREATE INDEX properties_status ON properties (status, added_at);
CREATE TABLE property_invitations (
  invitation_id text PRIMARY KEY,
  property_id text NOT NULL,
  tenant_id text NOT NULL,
  invited_by text NOT NULL,
  status text NOT NULL,
  invited_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX property_invitations_tenant ON property_invitations (tenant_id, status);
CREATE INDEX property_invitations_property ON property_invitations (property_id, status)`;

const d = dataReader(propertyEvents);

const set = (tx: SqlExecutor, e: RecordedEvent, assignments: string, params: unknown[] = []) =>
  tx.query(`UPDATE properties SET ${assignments} WHERE property_id = $1`, [streamId(e), ...params]);

const invitation = (tx: SqlExecutor, invitationId: string, status: string) =>
  tx.query('UPDATE property_invitations SET status = $2 WHERE invitation_id = $1', [
    invitationId,
    status,
  ]);

export const propertiesProjection: Projection = {
  name: 'properties',
  version: 2,
  schemaSql,
  tables: ['properties', 'property_invitations'],
  handlers: {
    PropertyAdded: (tx, e) => {
      const p = d('PropertyAdded', e);
      return tx.query(
        `INSERT INTO properties (property_id, owner_id, status, kind, city, state, pincode, address, added_at)
         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8) ON CONFLICT (property_id) DO NOTHING`,
        [
          p.propertyId,
          p.ownerId,
          p.kind,
          p.city,
          p.state,
          p.pincode,
          JSON.stringify(p.address),
          p.addedAt,
        ],
      );
    },
    PropertyApproved: (tx, e) => {
      const a = d('PropertyApproved', e);
      return set(tx, e, "status = 'approved', gateway_id = $2, meter_id = $3, approved_at = $4", [
        a.gatewayId,
        a.meterId,
        a.approvedAt,
      ]);
    },
    PropertyRejected: (tx, e) =>
      set(tx, e, "status = 'rejected', status_reason = $2", [d('PropertyRejected', e).reason]),
    TenantInvited: (tx, e) => {
      const i = d('TenantInvited', e);
      return tx.query(
        `INSERT INTO property_invitations (invitation_id, property_id, tenant_id, invited_by, status, invited_at, expires_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $6) ON CONFLICT (invitation_id) DO NOTHING`,
        [i.invitationId, streamId(e), i.tenantId, i.invitedBy, i.invitedAt, i.expiresAt],
      );
    },
    TenantInvitationRevoked: (tx, e) =>
      invitation(tx, d('TenantInvitationRevoked', e).invitationId, 'revoked'),
    TenantInvitationDeclined: (tx, e) =>
      invitation(tx, d('TenantInvitationDeclined', e).invitationId, 'declined'),
    TenantInvitationAccepted: async (tx, e) => {
      const a = d('TenantInvitationAccepted', e);
      await invitation(tx, a.invitationId, 'accepted');
      await set(tx, e, 'tenant_id = $2', [a.tenantId]);
    },
    TenantRemoved: (tx, e) => set(tx, e, 'tenant_id = NULL'),
    TenantLeft: (tx, e) => set(tx, e, 'tenant_id = NULL'),
    PropertyFlaggedForMissedReading: (tx, e) => {
      const f = d('PropertyFlaggedForMissedReading', e);
      return set(tx, e, 'missed_run_id = $2, missed_period = $3', [f.runId, f.period]);
    },
    PropertyUnflagged: (tx, e) => set(tx, e, 'missed_run_id = NULL, missed_period = NULL'),
    PropertyDisabled: (tx, e) =>
      set(tx, e, "status = 'disabled', status_reason = $2", [d('PropertyDisabled', e).reason]),
    PropertyEnabled: (tx, e) =>
      set(
        tx,
        e,
        "status = 'approved', status_reason = NULL, missed_run_id = NULL, missed_period = NULL",
      ),
    PropertyDeactivated: (tx, e) =>
      set(tx, e, "status = 'deactivated', status_reason = $2", [
        `deactivated by ${d('PropertyDeactivated', e).by}`,
      ]),
  },
};

export interface PropertyRow {
  propertyId: string;
  ownerId: string;
  tenantId: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'disabled' | 'deactivated';
  kind: 'residential' | 'commercial';
  city: string;
  state: string;
  pincode: string;
  /** Sealed under the owner's key, as stored in the event. */
  address: unknown;
  gatewayId: string | null;
  meterId: string | null;
  missedPeriod: string | null;
  statusReason: string | null;
  addedAt: Date;
  /** The tenant invitation still open, if any. */
  openInvitation: { invitationId: string; tenantId: string; expiresAt: Date } | null;
}

const SELECT = `SELECT p.property_id AS "propertyId", p.owner_id AS "ownerId", p.tenant_id AS "tenantId",
  p.status, p.kind, p.city, p.state, p.pincode, p.address, p.gateway_id AS "gatewayId",
  p.meter_id AS "meterId", p.missed_period AS "missedPeriod", p.status_reason AS "statusReason",
  p.added_at AS "addedAt",
  (SELECT json_build_object('invitationId', i.invitation_id, 'tenantId', i.tenant_id, 'expiresAt', i.expires_at)
     FROM read.property_invitations i WHERE i.property_id = p.property_id AND i.status = 'open'
     ORDER BY i.invited_at DESC LIMIT 1) AS "openInvitation"
  FROM read.properties p`;

export async function getProperty(
  db: SqlExecutor,
  propertyId: string,
): Promise<PropertyRow | null> {
  const { rows } = await db.query<PropertyRow>(`${SELECT} WHERE p.property_id = $1`, [propertyId]);
  return rows[0] ?? null;
}

/**
 * SQL condition: the property `propertyId` is owned or currently rented by
 * `accountId` (both parameter references such as `$1`). Queries of other read
 * models add it to read a customer's rows and check ownership in one round trip.
 */
export const memberCondition = (propertyId: string, accountId: string): string =>
  `EXISTS (SELECT 1 FROM read.properties member WHERE member.property_id = ${propertyId}
     AND (member.owner_id = ${accountId} OR member.tenant_id = ${accountId}))`;

/** Properties an account owns or rents, oldest first. */
export async function propertiesOf(db: SqlExecutor, accountId: string): Promise<PropertyRow[]> {
  const { rows } = await db.query<PropertyRow>(
    `${SELECT} WHERE p.owner_id = $1 OR p.tenant_id = $1 ORDER BY p.added_at, p.property_id`,
    [accountId],
  );
  return rows;
}

/** Properties waiting for an admin, oldest first, optionally in one pincode area. */
export async function pendingApprovals(
  db: SqlExecutor,
  filter: { pincode?: string } = {},
): Promise<PropertyRow[]> {
  const { rows } = await db.query<PropertyRow>(
    `${SELECT} WHERE p.status = 'pending' AND ($1::text IS NULL OR p.pincode = $1)
     ORDER BY p.added_at, p.property_id`,
    [filter.pincode ?? null],
  );
  return rows;
}
