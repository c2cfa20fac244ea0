// Shared fixtures for the property decider specs: ids, a sealed address and
// event builders, so each spec reads as given/when/then.

import type { PropertyCommand, PropertyEvent } from '../../../src/domain/property/index.ts';

export const propertyId = 'b7a9c1de-0000-4000-8000-000000000001';
export const ownerId = 'acc-owner';
export const adminId = 'acc-admin';
export const tenantId = 'acc-tenant';
export const strangerId = 'acc-stranger';
export const gatewayId = 'gw-1';
export const meterId = 'meter-1';
export const billing = 'system:billrun';
export const T0 = '2026-01-10T10:00:00.000Z';
export const T1 = '2026-01-11T10:00:00.000Z';
export const AFTER_EXPIRY = '2026-01-25T10:00:00.000Z';

export const sealedAddress = { v: 1 as const, subject: ownerId, iv: 'aXY', ct: 'Y3Q' };

export const cmd = <T extends PropertyCommand['type']>(
  type: T,
  data: Extract<PropertyCommand, { type: T }>['data'],
  actor: string,
  now = T1,
): Extract<PropertyCommand, { type: T }> =>
  ({ type, data, metadata: { now, commandId: `cmd-${type}`, actor } }) as Extract<
    PropertyCommand,
    { type: T }
  >;

export const added: PropertyEvent = {
  type: 'PropertyAdded',
  data: {
    propertyId,
    ownerId,
    kind: 'residential',
    address: sealedAddress,
    city: 'Bengaluru',
    state: 'KA',
    pincode: '560001',
    addedAt: T0,
  },
};
export const approved: PropertyEvent = {
  type: 'PropertyApproved',
  data: { approvedBy: adminId, gatewayId, meterId, approvedAt: T0 },
};
export const invited = (invitationId = 'inv-1', tenant = tenantId): PropertyEvent => ({
  type: 'TenantInvited',
  data: {
    invitationId,
    tenantId: tenant,
    invitedBy: ownerId,
    invitedAt: T0,
    expiresAt: '2026-01-17T10:00:00.000Z',
  },
});
export const accepted: PropertyEvent = {
  type: 'TenantInvitationAccepted',
  data: { invitationId: 'inv-1', tenantId, acceptedAt: T1 },
};
export const flagged: PropertyEvent = {
  type: 'PropertyFlaggedForMissedReading',
  data: { runId: 'run-1', period: '2026-01', flaggedAt: T0 },
};
export const disabled: PropertyEvent = {
  type: 'PropertyDisabled',
  data: { runId: 'run-2', reason: 'second consecutive missed reading', disabledAt: T1 },
};
