// Commands on a property and the decisions on them. Owner commands check that
// the actor IS the owner; admin commands (approve, reject, enable,
// AdminDeactivateProperty) trust the caller to have checked the admin role and
// record who acted; billing commands come from a `system:` actor.

import type { SealedPersonalData } from '../../privacy/vault.ts';
import type { Command } from '../shared/decider.ts';
import { fail, type PropertyError } from './errors.ts';
import type {
  PropertyDetails,
  PropertyEvent,
  PropertyKind,
  PropertyState,
  PropertyStatus,
} from './events.ts';
import { propertyKinds } from './events.ts';
import {
  decideAnswer,
  decideInvite,
  decideLeave,
  decideRemoveTenant,
  decideRevoke,
  endTenancy,
} from './tenancy.ts';

type NoData = Record<string, never>;

export type PropertyCommand =
  | Command<
      'AddProperty',
      {
        propertyId: string;
        ownerId: string;
        kind: PropertyKind;
        address: SealedPersonalData;
        city: string;
        state: string;
        pincode: string;
      }
    >
  | Command<'ApproveProperty', { gatewayId: string; meterId: string }>
  | Command<'RejectProperty', { reason: string }>
  | Command<'InviteTenant', { invitationId: string; tenantId: string; expiresInDays: number }>
  | Command<'RevokeInvitation', { invitationId: string }>
  | Command<'AcceptInvitation', { invitationId: string }>
  | Command<'DeclineInvitation', { invitationId: string }>
  | Command<'RemoveTenant', { tenantId: string }>
  | Command<'LeaveProperty', NoData>
  | Command<'FlagMissedReading', { runId: string; period: string }>
  | Command<'UnflagProperty', { runId: string | null }>
  | Command<'DisableProperty', { runId: string; reason: string }>
  | Command<'EnableProperty', NoData>
  | Command<'DeactivateProperty', NoData>
  | Command<'AdminDeactivateProperty', NoData>;

export type PropertyCommandOf<T extends PropertyCommand['type']> = Extract<
  PropertyCommand,
  { type: T }
>;

type Active = PropertyDetails & { status: PropertyStatus };

export const PINCODE = /^[1-9][0-9]{5}$/;
const isSystemActor = (actor: string): boolean => actor.startsWith('system:');

function decideAdd(command: PropertyCommandOf<'AddProperty'>): PropertyEvent[] | PropertyError {
  const { propertyId, ownerId, kind, address, city, state, pincode } = command.data;
  if (command.metadata.actor !== ownerId)
    return fail('NOT_OWNER', 'a property is added by its owner');
  if (!propertyKinds.includes(kind)) return fail('INVALID_PROPERTY', `unknown kind ${kind}`);
  if (city.trim() === '' || state.trim() === '')
    return fail('INVALID_PROPERTY', 'city and state are required');
  if (!PINCODE.test(pincode)) return fail('INVALID_PROPERTY', 'pincode must be 6 digits');
  return [
    {
      type: 'PropertyAdded',
      data: {
        ...{ propertyId, ownerId, kind, address, pincode },
        city: city.trim(),
        state: state.trim(),
        addedAt: command.metadata.now,
      },
    },
  ];
}

/** Billing: first miss flags; the same run again is a no-op; disabling needs a flag. */
function decideBilling(
  command: PropertyCommandOf<'FlagMissedReading' | 'UnflagProperty' | 'DisableProperty'>,
  state: Active,
): PropertyEvent[] | PropertyError {
  const { actor, now } = command.metadata;
  if (!isSystemActor(actor)) return fail('NOT_SYSTEM', 'only the billing process does this');
  switch (command.type) {
    case 'FlagMissedReading': {
      if (state.status !== 'approved') return fail('PROPERTY_NOT_ACTIVE', 'property is not active');
      if (state.missedReading?.runId === command.data.runId) return [];
      return [
        { type: 'PropertyFlaggedForMissedReading', data: { ...command.data, flaggedAt: now } },
      ];
    }
    case 'UnflagProperty':
      if (state.missedReading === null) return [];
      return [{ type: 'PropertyUnflagged', data: { runId: command.data.runId, unflaggedAt: now } }];
    case 'DisableProperty':
      if (state.status === 'disabled') return [];
      if (state.status !== 'approved') return fail('PROPERTY_NOT_ACTIVE', 'property is not active');
      if (state.missedReading === null)
        return fail('NOT_FLAGGED', 'a property is disabled only after a flagged missed reading');
      return [{ type: 'PropertyDisabled', data: { ...command.data, disabledAt: now } }];
  }
}

function decideDeactivate(
  command: PropertyCommandOf<'DeactivateProperty' | 'AdminDeactivateProperty'>,
  state: Active,
): PropertyEvent[] | PropertyError {
  const { actor, now } = command.metadata;
  const by = command.type === 'DeactivateProperty' ? 'owner' : 'admin';
  if (by === 'owner' && actor !== state.ownerId)
    return fail('NOT_OWNER', 'only the owner can deactivate this property');
  if (state.status === 'rejected') return fail('PROPERTY_NOT_ACTIVE', 'property was rejected');
  return [
    ...endTenancy(state, actor, now),
    { type: 'PropertyDeactivated', data: { deactivatedBy: actor, by, deactivatedAt: now } },
  ];
}

export function decideProperty(
  command: PropertyCommand,
  state: PropertyState,
): PropertyEvent[] | PropertyError {
  if (command.type === 'AddProperty')
    return state.status === 'none' ? decideAdd(command) : fail('PROPERTY_EXISTS', 'already added');
  if (state.status === 'none') return fail('PROPERTY_NOT_FOUND', 'no such property');
  if (state.status === 'deactivated')
    return fail('PROPERTY_DEACTIVATED', 'property is deactivated');
  const { actor, now } = command.metadata;
  switch (command.type) {
    case 'ApproveProperty':
      if (state.status !== 'pending')
        return fail('PROPERTY_NOT_PENDING', `property is ${state.status}`);
      if (actor === state.ownerId)
        return fail('SELF_APPROVAL', 'an owner cannot approve their own property');
      return [
        { type: 'PropertyApproved', data: { approvedBy: actor, ...command.data, approvedAt: now } },
      ];
    case 'RejectProperty': {
      if (state.status !== 'pending')
        return fail('PROPERTY_NOT_PENDING', `property is ${state.status}`);
      if (actor === state.ownerId)
        return fail('SELF_APPROVAL', 'an owner cannot reject their own property');
      const reason = command.data.reason.trim();
      if (reason === '') return fail('REASON_REQUIRED', 'a rejection needs a reason');
      return [{ type: 'PropertyRejected', data: { rejectedBy: actor, reason, rejectedAt: now } }];
    }
    case 'InviteTenant':
      return decideInvite(command, state);
    case 'RevokeInvitation':
      return decideRevoke(command, state);
    case 'AcceptInvitation':
    case 'DeclineInvitation':
      return decideAnswer(command, state);
    case 'RemoveTenant':
      return decideRemoveTenant(command, state);
    case 'LeaveProperty':
      return decideLeave(command, state);
    case 'FlagMissedReading':
    case 'UnflagProperty':
    case 'DisableProperty':
      return decideBilling(command, state);
    case 'EnableProperty':
      if (state.status !== 'disabled')
        return fail('PROPERTY_NOT_DISABLED', `property is ${state.status}`);
      return [{ type: 'PropertyEnabled', data: { enabledBy: actor, enabledAt: now } }];
    case 'DeactivateProperty':
    case 'AdminDeactivateProperty':
      return decideDeactivate(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}
