import { describe, expect, it } from 'vitest';
import { propertyDecider as decider } from '../../../src/domain/property/index.ts';
import type { PropertyEvent } from '../../../src/domain/property/index.ts';
import { given } from '../../support/decider-spec.ts';
import {
  AFTER_EXPIRY,
  T0,
  T1,
  accepted,
  added,
  approved,
  cmd,
  disabled,
  flagged,
  invited,
  ownerId,
  strangerId,
  tenantId,
} from './fixtures.ts';

const invite = (
  data: Partial<{ invitationId: string; tenantId: string; expiresInDays: number }> = {},
  actor = ownerId,
) => cmd('InviteTenant', { invitationId: 'inv-1', tenantId, expiresInDays: 7, ...data }, actor, T0);
const revoked: PropertyEvent = {
  type: 'TenantInvitationRevoked',
  data: { invitationId: 'inv-1', revokedAt: T1 },
};
const declined: PropertyEvent = {
  type: 'TenantInvitationDeclined',
  data: { invitationId: 'inv-1', tenantId, declinedAt: T1 },
};

describe('tenancy: invite', () => {
  it('the owner invites a tenant; the invitation expires after N days', () => {
    given(decider, [added, approved]).when(invite()).then([invited()]);
    const spec = given(decider, [added, approved]).when(invite({ expiresInDays: 1 }));
    expect(spec.outcome).toMatchObject([{ data: { expiresAt: '2026-01-11T10:00:00.000Z' } }]);
  });
  it('only the owner invites', () => {
    given(decider, [added, approved]).when(invite({}, strangerId)).thenFails('NOT_OWNER');
  });
  it('an owner cannot invite themself', () => {
    given(decider, [added, approved])
      .when(invite({ tenantId: ownerId }))
      .thenFails('CANNOT_INVITE_SELF');
  });
  it('only approved properties take tenants', () => {
    given(decider, [added]).when(invite()).thenFails('PROPERTY_NOT_ACTIVE');
    given(decider, [added, approved, flagged, disabled])
      .when(invite())
      .thenFails('PROPERTY_NOT_ACTIVE');
  });
  it('at most one tenant', () => {
    given(decider, [added, approved, invited(), accepted])
      .when(invite({ invitationId: 'inv-2', tenantId: strangerId }))
      .thenFails('TENANT_ALREADY_PRESENT');
  });
  it('at most one open invitation, but an expired one can be superseded', () => {
    given(decider, [added, approved, invited()])
      .when(invite({ invitationId: 'inv-2', tenantId: strangerId }))
      .thenFails('INVITATION_PENDING');
    const later = cmd(
      'InviteTenant',
      { invitationId: 'inv-2', tenantId: strangerId, expiresInDays: 7 },
      ownerId,
      AFTER_EXPIRY,
    );
    expect(given(decider, [added, approved, invited()]).when(later).outcome).toHaveLength(1);
  });
  it('an invitation id cannot be reused', () => {
    given(decider, [added, approved, invited(), revoked])
      .when(invite())
      .thenFails('INVITATION_EXISTS');
  });
  it('expiry must be 1-30 whole days', () => {
    for (const days of [0, 31, 1.5]) {
      given(decider, [added, approved])
        .when(invite({ expiresInDays: days }))
        .thenFails('INVALID_EXPIRY');
    }
  });
});

describe('tenancy: revoke', () => {
  it('the owner revokes an open invitation', () => {
    given(decider, [added, approved, invited()])
      .when(cmd('RevokeInvitation', { invitationId: 'inv-1' }, ownerId))
      .then([revoked]);
  });
  it('only the owner revokes', () => {
    given(decider, [added, approved, invited()])
      .when(cmd('RevokeInvitation', { invitationId: 'inv-1' }, tenantId))
      .thenFails('NOT_OWNER');
  });
  it('cannot revoke an unknown or answered invitation', () => {
    given(decider, [added, approved])
      .when(cmd('RevokeInvitation', { invitationId: 'nope' }, ownerId))
      .thenFails('INVITATION_NOT_FOUND');
    given(decider, [added, approved, invited(), accepted])
      .when(cmd('RevokeInvitation', { invitationId: 'inv-1' }, ownerId))
      .thenFails('INVITATION_ALREADY_ANSWERED');
  });
});

describe('tenancy: accept and decline', () => {
  const accept = (actor = tenantId, now = T1) =>
    cmd('AcceptInvitation', { invitationId: 'inv-1' }, actor, now);
  const decline = (actor = tenantId) => cmd('DeclineInvitation', { invitationId: 'inv-1' }, actor);
  it('the invited account accepts and becomes the tenant', () => {
    given(decider, [added, approved, invited()]).when(accept()).then([accepted]);
    expect(given(decider, [added, approved, invited(), accepted]).state).toMatchObject({
      tenantId,
    });
  });
  it('the invited account declines', () => {
    given(decider, [added, approved, invited()]).when(decline()).then([declined]);
  });
  it('nobody else can accept or decline', () => {
    given(decider, [added, approved, invited()]).when(accept(strangerId)).thenFails('NOT_INVITED');
    given(decider, [added, approved, invited()]).when(decline(ownerId)).thenFails('NOT_INVITED');
  });
  it('not after expiry', () => {
    given(decider, [added, approved, invited()])
      .when(accept(tenantId, AFTER_EXPIRY))
      .thenFails('INVITATION_EXPIRED');
  });
  it('cannot decline after expiry either', () => {
    given(decider, [added, approved, invited()])
      .when(cmd('DeclineInvitation', { invitationId: 'inv-1' }, tenantId, AFTER_EXPIRY))
      .thenFails('INVITATION_EXPIRED');
  });
  it('not after revocation', () => {
    given(decider, [added, approved, invited(), revoked])
      .when(accept())
      .thenFails('INVITATION_REVOKED');
    given(decider, [added, approved, invited(), revoked])
      .when(decline())
      .thenFails('INVITATION_REVOKED');
  });
  it('not twice', () => {
    given(decider, [added, approved, invited(), accepted])
      .when(accept())
      .thenFails('INVITATION_ALREADY_ANSWERED');
    given(decider, [added, approved, invited(), declined])
      .when(accept())
      .thenFails('INVITATION_ALREADY_ANSWERED');
  });
  it('unknown invitation', () => {
    given(decider, [added, approved])
      .when(cmd('AcceptInvitation', { invitationId: 'x' }, tenantId))
      .thenFails('INVITATION_NOT_FOUND');
  });
  it('cannot accept once the property was disabled', () => {
    given(decider, [added, approved, invited(), flagged, disabled])
      .when(accept())
      .thenFails('PROPERTY_NOT_ACTIVE');
  });
});

describe('tenancy: remove and leave', () => {
  it('the owner removes the tenant', () => {
    given(decider, [added, approved, invited(), accepted])
      .when(cmd('RemoveTenant', { tenantId }, ownerId))
      .then([{ type: 'TenantRemoved', data: { tenantId, removedBy: ownerId, removedAt: T1 } }]);
  });
  it('only the owner removes', () => {
    given(decider, [added, approved, invited(), accepted])
      .when(cmd('RemoveTenant', { tenantId }, tenantId))
      .thenFails('NOT_OWNER');
  });
  it('cannot remove someone who is not the tenant', () => {
    given(decider, [added, approved])
      .when(cmd('RemoveTenant', { tenantId }, ownerId))
      .thenFails('NO_TENANT');
    given(decider, [added, approved, invited(), accepted])
      .when(cmd('RemoveTenant', { tenantId: strangerId }, ownerId))
      .thenFails('NO_TENANT');
  });
  it('the tenant leaves, and the property can take a new tenant', () => {
    const left: PropertyEvent = { type: 'TenantLeft', data: { tenantId, leftAt: T1 } };
    given(decider, [added, approved, invited(), accepted])
      .when(cmd('LeaveProperty', {}, tenantId))
      .then([left]);
    const after = given(decider, [added, approved, invited(), accepted, left]);
    expect(after.state).toMatchObject({ tenantId: null });
    expect(
      after.when(invite({ invitationId: 'inv-2', tenantId: strangerId })).outcome,
    ).toHaveLength(1);
  });
  it('only the tenant can leave', () => {
    given(decider, [added, approved, invited(), accepted])
      .when(cmd('LeaveProperty', {}, strangerId))
      .thenFails('NOT_TENANT');
    given(decider, [added, approved, invited()])
      .when(cmd('LeaveProperty', {}, tenantId))
      .thenFails('NOT_TENANT');
  });
});
