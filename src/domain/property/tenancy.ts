// Tenancy decisions on one property: the owner invites (by account id, resolved
// by the service), revokes or removes; the invited account accepts or declines;
// the tenant leaves. A property has at most one tenant and at most one open
// invitation at a time, and everything here is scoped to this property's stream.

import type { PropertyDetails, PropertyEvent, PropertyStatus } from './events.ts';
import type { PropertyCommandOf } from './decide.ts';
import { fail, type PropertyError } from './errors.ts';

type Active = PropertyDetails & { status: PropertyStatus };

const DAY_MS = 86_400_000;
export const DEFAULT_INVITATION_DAYS = 7;
export const MAX_INVITATION_DAYS = 30;

const isExpired = (expiresAt: string, now: string): boolean =>
  Date.parse(now) >= Date.parse(expiresAt);

function openInvitationIds(state: Active, now: string): string[] {
  return Object.entries(state.invitations)
    .filter(([, inv]) => inv.status === 'open' && !isExpired(inv.expiresAt, now))
    .map(([id]) => id);
}

export function decideInvite(
  command: PropertyCommandOf<'InviteTenant'>,
  state: Active,
): PropertyEvent[] | PropertyError {
  const { invitationId, tenantId, expiresInDays } = command.data;
  const { now, actor } = command.metadata;
  if (actor !== state.ownerId) return fail('NOT_OWNER', 'only the owner can invite a tenant');
  if (state.status !== 'approved')
    return fail('PROPERTY_NOT_ACTIVE', 'tenants can be invited to approved properties only');
  if (tenantId === state.ownerId) return fail('CANNOT_INVITE_SELF', 'an owner cannot be a tenant');
  if (state.tenantId !== null)
    return fail('TENANT_ALREADY_PRESENT', 'remove the current tenant first');
  if (state.invitations[invitationId]) return fail('INVITATION_EXISTS', 'invitation id in use');
  if (openInvitationIds(state, now).length > 0)
    return fail('INVITATION_PENDING', 'revoke the open invitation first');
  if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > MAX_INVITATION_DAYS)
    return fail('INVALID_EXPIRY', `expiry must be 1-${MAX_INVITATION_DAYS} whole days`);
  const expiresAt = new Date(Date.parse(now) + expiresInDays * DAY_MS).toISOString();
  return [
    {
      type: 'TenantInvited',
      data: { invitationId, tenantId, invitedBy: actor, invitedAt: now, expiresAt },
    },
  ];
}

export function decideRevoke(
  command: PropertyCommandOf<'RevokeInvitation'>,
  state: Active,
): PropertyEvent[] | PropertyError {
  const { invitationId } = command.data;
  if (command.metadata.actor !== state.ownerId)
    return fail('NOT_OWNER', 'only the owner can revoke an invitation');
  const invitation = state.invitations[invitationId];
  if (!invitation) return fail('INVITATION_NOT_FOUND', `no invitation ${invitationId}`);
  if (invitation.status !== 'open')
    return fail('INVITATION_ALREADY_ANSWERED', `invitation is ${invitation.status}`);
  return [
    { type: 'TenantInvitationRevoked', data: { invitationId, revokedAt: command.metadata.now } },
  ];
}

/** Accept or decline: only the invited account, only while the invitation is open. */
export function decideAnswer(
  command: PropertyCommandOf<'AcceptInvitation' | 'DeclineInvitation'>,
  state: Active,
): PropertyEvent[] | PropertyError {
  const { invitationId } = command.data;
  const { actor, now } = command.metadata;
  const invitation = state.invitations[invitationId];
  if (!invitation) return fail('INVITATION_NOT_FOUND', `no invitation ${invitationId}`);
  if (invitation.tenantId !== actor) return fail('NOT_INVITED', 'invitation is for someone else');
  if (invitation.status === 'revoked') return fail('INVITATION_REVOKED', 'invitation was revoked');
  if (invitation.status !== 'open')
    return fail('INVITATION_ALREADY_ANSWERED', `invitation is ${invitation.status}`);
  if (isExpired(invitation.expiresAt, now)) return fail('INVITATION_EXPIRED', 'invitation expired');
  if (command.type === 'DeclineInvitation')
    return [
      {
        type: 'TenantInvitationDeclined',
        data: { invitationId, tenantId: actor, declinedAt: now },
      },
    ];
  if (state.status !== 'approved')
    return fail('PROPERTY_NOT_ACTIVE', 'the property is not active any more');
  return [
    { type: 'TenantInvitationAccepted', data: { invitationId, tenantId: actor, acceptedAt: now } },
  ];
}

export function decideRemoveTenant(
  command: PropertyCommandOf<'RemoveTenant'>,
  state: Active,
): PropertyEvent[] | PropertyError {
  const { actor, now } = command.metadata;
  if (actor !== state.ownerId) return fail('NOT_OWNER', 'only the owner can remove a tenant');
  if (state.tenantId === null || state.tenantId !== command.data.tenantId)
    return fail('NO_TENANT', 'that account is not the tenant of this property');
  return [
    { type: 'TenantRemoved', data: { tenantId: state.tenantId, removedBy: actor, removedAt: now } },
  ];
}

export function decideLeave(
  command: PropertyCommandOf<'LeaveProperty'>,
  state: Active,
): PropertyEvent[] | PropertyError {
  const { actor, now } = command.metadata;
  if (state.tenantId !== actor) return fail('NOT_TENANT', 'only the tenant can leave');
  return [{ type: 'TenantLeft', data: { tenantId: actor, leftAt: now } }];
}

/** What deactivation ends on the tenancy side: open invitations, then the tenancy. */
export function endTenancy(state: Active, actor: string, now: string): PropertyEvent[] {
  const events: PropertyEvent[] = Object.entries(state.invitations)
    .filter(([, inv]) => inv.status === 'open')
    .map(([invitationId]) => ({
      type: 'TenantInvitationRevoked',
      data: { invitationId, revokedAt: now },
    }));
  if (state.tenantId !== null)
    events.push({
      type: 'TenantRemoved',
      data: { tenantId: state.tenantId, removedBy: actor, removedAt: now },
    });
  return events;
}
