// Property streams (`property-<propertyId>`): one property from the owner's
// request through approval, tenancy, missed-reading flags, to deactivation.
// Tenancy lives here, per property, so leaving one tenancy cannot touch another.
//
// Personal vs routing data: house no., building and street identify a home and
// travel only sealed (with the whole address, under the owner's key). City,
// state and pincode are shared by thousands of homes and are needed in clear to
// route the property to a gateway of its area, so they are repeated unsealed.

import { z } from 'zod';
import { sealedPersonalDataSchema } from '../../privacy/sealed.ts';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

export const propertyKinds = ['residential', 'commercial'] as const;
export type PropertyKind = (typeof propertyKinds)[number];

const at = z.string();
const accountId = z.string().min(1);

export const propertyEvents = defineEvents(
  'property',
  'One property: approval, meter assignment, tenancy, missed-reading flags, deactivation.',
  {
    PropertyAdded: z.object({
      propertyId: z.string(),
      ownerId: accountId,
      kind: z.enum(propertyKinds),
      /** Sealed {houseNo, building, street, city, state, pincode} under the owner's key. */
      address: sealedPersonalDataSchema,
      city: z.string(),
      state: z.string(),
      pincode: z.string(),
      addedAt: at,
    }),
    PropertyApproved: z.object({
      approvedBy: accountId,
      gatewayId: z.string(),
      meterId: z.string(),
      approvedAt: at,
    }),
    PropertyRejected: z.object({ rejectedBy: accountId, reason: z.string(), rejectedAt: at }),
    TenantInvited: z.object({
      invitationId: z.string(),
      tenantId: accountId,
      invitedBy: accountId,
      invitedAt: at,
      expiresAt: at,
    }),
    TenantInvitationRevoked: z.object({ invitationId: z.string(), revokedAt: at }),
    TenantInvitationAccepted: z.object({
      invitationId: z.string(),
      tenantId: accountId,
      acceptedAt: at,
    }),
    TenantInvitationDeclined: z.object({
      invitationId: z.string(),
      tenantId: accountId,
      declinedAt: at,
    }),
    TenantRemoved: z.object({ tenantId: accountId, removedBy: accountId, removedAt: at }),
    TenantLeft: z.object({ tenantId: accountId, leftAt: at }),
    PropertyFlaggedForMissedReading: z.object({
      runId: z.string(),
      period: z.string(),
      flaggedAt: at,
    }),
    PropertyUnflagged: z.object({ runId: z.string().nullable(), unflaggedAt: at }),
    PropertyDisabled: z.object({ runId: z.string(), reason: z.string(), disabledAt: at }),
    PropertyEnabled: z.object({ enabledBy: accountId, enabledAt: at }),
    PropertyDeactivated: z.object({
      deactivatedBy: accountId,
      /** 'owner' or 'admin': who asked, so the portal can explain it. */
      by: z.enum(['owner', 'admin']),
      deactivatedAt: at,
    }),
  },
);

export type PropertyEvent = EventsOf<typeof propertyEvents>;

export type InvitationStatus = 'open' | 'accepted' | 'declined' | 'revoked';
export interface Invitation {
  tenantId: string;
  expiresAt: string;
  status: InvitationStatus;
}

export interface PropertyDetails {
  propertyId: string;
  ownerId: string;
  kind: PropertyKind;
  city: string;
  state: string;
  pincode: string;
  gatewayId: string | null;
  meterId: string | null;
  tenantId: string | null;
  /** Every invitation ever sent for this property, by id: few per property. */
  invitations: Record<string, Invitation>;
  /** Set by a first missed reading; a second consecutive miss disables the property. */
  missedReading: { runId: string; period: string } | null;
}

export type PropertyStatus = 'pending' | 'approved' | 'rejected' | 'disabled' | 'deactivated';
export type PropertyState = { status: 'none' } | (PropertyDetails & { status: PropertyStatus });

export const initialPropertyState: PropertyState = { status: 'none' };

export const propertyStream = (propertyId: string): string =>
  streamName(propertyEvents.category, propertyId);

function setInvitation(
  state: PropertyDetails & { status: PropertyStatus },
  invitationId: string,
  status: InvitationStatus,
) {
  const invitation = state.invitations[invitationId];
  if (!invitation) return state;
  return {
    ...state,
    invitations: { ...state.invitations, [invitationId]: { ...invitation, status } },
  };
}

export function evolvePropertyState(state: PropertyState, event: PropertyEvent): PropertyState {
  if (event.type === 'PropertyAdded') {
    const { propertyId, ownerId, kind, city, state: region, pincode } = event.data;
    return {
      status: 'pending',
      ...{ propertyId, ownerId, kind, city, state: region, pincode },
      gatewayId: null,
      meterId: null,
      tenantId: null,
      invitations: {},
      missedReading: null,
    };
  }
  // Every other event follows PropertyAdded in its stream.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'PropertyApproved':
      return {
        ...state,
        status: 'approved',
        gatewayId: event.data.gatewayId,
        meterId: event.data.meterId,
      };
    case 'PropertyRejected':
      return { ...state, status: 'rejected' };
    case 'TenantInvited': {
      const { invitationId, tenantId, expiresAt } = event.data;
      const invitation: Invitation = { tenantId, expiresAt, status: 'open' };
      return { ...state, invitations: { ...state.invitations, [invitationId]: invitation } };
    }
    case 'TenantInvitationRevoked':
      return setInvitation(state, event.data.invitationId, 'revoked');
    case 'TenantInvitationDeclined':
      return setInvitation(state, event.data.invitationId, 'declined');
    case 'TenantInvitationAccepted':
      return {
        ...setInvitation(state, event.data.invitationId, 'accepted'),
        tenantId: event.data.tenantId,
      };
    case 'TenantRemoved':
    case 'TenantLeft':
      return { ...state, tenantId: null };
    case 'PropertyFlaggedForMissedReading':
      return { ...state, missedReading: { runId: event.data.runId, period: event.data.period } };
    case 'PropertyUnflagged':
      return { ...state, missedReading: null };
    case 'PropertyDisabled':
      return { ...state, status: 'disabled' };
    case 'PropertyEnabled':
      return { ...state, status: 'approved', missedReading: null };
    case 'PropertyDeactivated':
      return { ...state, status: 'deactivated' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
