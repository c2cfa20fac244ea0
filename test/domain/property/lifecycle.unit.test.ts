import { describe, expect, it } from 'vitest';
import { propertyDecider as decider } from '../../../src/domain/property/index.ts';
import { given } from '../../support/decider-spec.ts';
import {
  T0,
  T1,
  added,
  adminId,
  approved,
  billing,
  cmd,
  disabled,
  flagged,
  gatewayId,
  meterId,
  ownerId,
  propertyId,
  sealedAddress,
  strangerId,
  accepted,
  invited,
  tenantId,
} from './fixtures.ts';

const addData = {
  propertyId,
  ownerId,
  kind: 'residential' as const,
  address: sealedAddress,
  city: ' Bengaluru ',
  state: 'KA',
  pincode: '560001',
};

describe('property: add', () => {
  it('adds a pending property with clear routing fields and a sealed address', () => {
    given(decider)
      .when(cmd('AddProperty', addData, ownerId, T0))
      .then([added]);
  });
  it('rejects adding for someone else', () => {
    given(decider)
      .when(cmd('AddProperty', addData, strangerId))
      .thenFails('NOT_OWNER');
  });
  it('rejects a bad pincode, a missing city, an unknown kind', () => {
    given(decider)
      .when(cmd('AddProperty', { ...addData, pincode: '056001' }, ownerId))
      .thenFails('INVALID_PROPERTY');
    given(decider)
      .when(cmd('AddProperty', { ...addData, city: '  ' }, ownerId))
      .thenFails('INVALID_PROPERTY');
    const kind = 'industrial' as 'residential';
    given(decider)
      .when(cmd('AddProperty', { ...addData, kind }, ownerId))
      .thenFails('INVALID_PROPERTY');
  });
  it('rejects adding twice', () => {
    given(decider, [added])
      .when(cmd('AddProperty', addData, ownerId))
      .thenFails('PROPERTY_EXISTS');
  });
  it('rejects any other command on an unknown property', () => {
    given(decider)
      .when(cmd('LeaveProperty', {}, tenantId))
      .thenFails('PROPERTY_NOT_FOUND');
  });
});

describe('property: approve and reject', () => {
  it('approves with a gateway and a meter', () => {
    const spec = given(decider, [added]).when(
      cmd('ApproveProperty', { gatewayId, meterId }, adminId),
    );
    spec.then([
      {
        type: 'PropertyApproved',
        data: { approvedBy: adminId, gatewayId, meterId, approvedAt: T1 },
      },
    ]);
  });
  it('state records the assignment', () => {
    const { state } = given(decider, [added, approved]);
    expect(state).toMatchObject({ status: 'approved', gatewayId, meterId, tenantId: null });
  });
  it('rejects approving twice', () => {
    given(decider, [added, approved])
      .when(cmd('ApproveProperty', { gatewayId, meterId }, adminId))
      .thenFails('PROPERTY_NOT_PENDING');
  });
  it('an owner cannot approve or reject their own property', () => {
    given(decider, [added])
      .when(cmd('ApproveProperty', { gatewayId, meterId }, ownerId))
      .thenFails('SELF_APPROVAL');
    given(decider, [added])
      .when(cmd('RejectProperty', { reason: 'x' }, ownerId))
      .thenFails('SELF_APPROVAL');
  });
  it('rejects with a trimmed reason', () => {
    given(decider, [added])
      .when(cmd('RejectProperty', { reason: ' no such street ' }, adminId))
      .then([
        {
          type: 'PropertyRejected',
          data: { rejectedBy: adminId, reason: 'no such street', rejectedAt: T1 },
        },
      ]);
  });
  it('a rejection needs a reason', () => {
    given(decider, [added])
      .when(cmd('RejectProperty', { reason: '  ' }, adminId))
      .thenFails('REASON_REQUIRED');
  });
  it('cannot reject an approved property', () => {
    given(decider, [added, approved])
      .when(cmd('RejectProperty', { reason: 'late' }, adminId))
      .thenFails('PROPERTY_NOT_PENDING');
  });
});

describe('property: missed readings (billing process)', () => {
  const flag = cmd('FlagMissedReading', { runId: 'run-1', period: '2026-01' }, billing, T0);
  it('flags on a first miss', () => {
    given(decider, [added, approved]).when(flag).then([flagged]);
  });
  it('flagging again for the same run is a no-op', () => {
    given(decider, [added, approved, flagged]).when(flag).then([]);
  });
  it('only a system actor flags', () => {
    given(decider, [added, approved])
      .when(cmd('FlagMissedReading', { runId: 'run-1', period: '2026-01' }, adminId))
      .thenFails('NOT_SYSTEM');
  });
  it('cannot flag a pending property', () => {
    given(decider, [added]).when(flag).thenFails('PROPERTY_NOT_ACTIVE');
  });
  it('unflags after a successful read; unflagging an unflagged property does nothing', () => {
    given(decider, [added, approved, flagged])
      .when(cmd('UnflagProperty', { runId: 'run-2' }, billing))
      .then([{ type: 'PropertyUnflagged', data: { runId: 'run-2', unflaggedAt: T1 } }]);
    given(decider, [added, approved])
      .when(cmd('UnflagProperty', { runId: null }, billing))
      .then([]);
  });
  const disable = cmd(
    'DisableProperty',
    { runId: 'run-2', reason: 'second consecutive missed reading' },
    billing,
  );
  it('disables after a second consecutive miss', () => {
    given(decider, [added, approved, flagged]).when(disable).then([disabled]);
  });
  it('only a system actor unflags', () => {
    given(decider, [added, approved, flagged])
      .when(cmd('UnflagProperty', { runId: null }, adminId))
      .thenFails('NOT_SYSTEM');
  });
  it('cannot disable a pending property', () => {
    given(decider, [added]).when(disable).thenFails('PROPERTY_NOT_ACTIVE');
  });
  it('refuses to disable without a prior flag', () => {
    given(decider, [added, approved]).when(disable).thenFails('NOT_FLAGGED');
  });
  it('disabling a disabled property is a no-op; admins cannot use the billing command', () => {
    given(decider, [added, approved, flagged, disabled]).when(disable).then([]);
    given(decider, [added, approved, flagged])
      .when(cmd('DisableProperty', { runId: 'r', reason: 'x' }, adminId))
      .thenFails('NOT_SYSTEM');
  });
  it('an admin re-enables a disabled property, which clears the flag', () => {
    const spec = given(decider, [added, approved, flagged, disabled]);
    spec
      .when(cmd('EnableProperty', {}, adminId))
      .then([{ type: 'PropertyEnabled', data: { enabledBy: adminId, enabledAt: T1 } }]);
    const after = given(decider, [
      added,
      approved,
      flagged,
      disabled,
      { type: 'PropertyEnabled', data: { enabledBy: adminId, enabledAt: T1 } },
    ]);
    expect(after.state).toMatchObject({ status: 'approved', missedReading: null });
  });
  it('cannot enable a property that is not disabled', () => {
    given(decider, [added, approved])
      .when(cmd('EnableProperty', {}, adminId))
      .thenFails('PROPERTY_NOT_DISABLED');
  });
});

describe('property: deactivate', () => {
  it('the owner deactivates; the tenancy ends with it', () => {
    given(decider, [added, approved, invited(), accepted])
      .when(cmd('DeactivateProperty', {}, ownerId))
      .then([
        { type: 'TenantRemoved', data: { tenantId, removedBy: ownerId, removedAt: T1 } },
        {
          type: 'PropertyDeactivated',
          data: { deactivatedBy: ownerId, by: 'owner', deactivatedAt: T1 },
        },
      ]);
  });
  it('open invitations are revoked on deactivation', () => {
    given(decider, [added, approved, invited()])
      .when(cmd('AdminDeactivateProperty', {}, adminId))
      .then([
        { type: 'TenantInvitationRevoked', data: { invitationId: 'inv-1', revokedAt: T1 } },
        {
          type: 'PropertyDeactivated',
          data: { deactivatedBy: adminId, by: 'admin', deactivatedAt: T1 },
        },
      ]);
  });
  it('no one but the owner deactivates through the owner command', () => {
    given(decider, [added, approved])
      .when(cmd('DeactivateProperty', {}, tenantId))
      .thenFails('NOT_OWNER');
  });
  it('a rejected property cannot be deactivated', () => {
    const rejected = {
      type: 'PropertyRejected' as const,
      data: { rejectedBy: adminId, reason: 'r', rejectedAt: T1 },
    };
    given(decider, [added, rejected])
      .when(cmd('DeactivateProperty', {}, ownerId))
      .thenFails('PROPERTY_NOT_ACTIVE');
  });
  it('a deactivated property refuses every command', () => {
    const deactivated = {
      type: 'PropertyDeactivated' as const,
      data: { deactivatedBy: ownerId, by: 'owner' as const, deactivatedAt: T1 },
    };
    given(decider, [added, deactivated])
      .when(cmd('DeactivateProperty', {}, ownerId))
      .thenFails('PROPERTY_DEACTIVATED');
    given(decider, [added, deactivated])
      .when(cmd('ApproveProperty', { gatewayId, meterId }, adminId))
      .thenFails('PROPERTY_DEACTIVATED');
  });
});
