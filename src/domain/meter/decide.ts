// Commands on a meter: inventory (register, assign/unassign, key rotation,
// disable/enable) and readings. Cross-stream rules (serial uniqueness, the
// property's approval, the gateway's area) are checked by the application
// service before these run; here only what this meter's own history decides.

import type { Command } from '../shared/decider.ts';
import { fail, type MeterError } from './errors.ts';
import { meterKinds, type MeterEvent, type MeterKind, type MeterState } from './events.ts';
import { normalisePublicKey } from './public-key.ts';
import { decideReading, type RecordReading } from './readings.ts';

export type MeterCommand =
  | Command<
      'RegisterMeter',
      { meterId: string; serial: string; publicKey: string; kind: MeterKind }
    >
  | Command<'AssignMeter', { propertyId: string; gatewayId: string }>
  | Command<'UnassignMeter', { propertyId: string; reason: string }>
  | Command<'RotateMeterKey', { publicKey: string }>
  | Command<'DisableMeter', { reason: string }>
  | Command<'EnableMeter', Record<string, never>>
  | RecordReading;

/** Serials are compared upper-cased and trimmed: letters, digits and inner hyphens. */
export const SERIAL = /^[A-Z0-9][A-Z0-9-]{2,39}$/;
export const normaliseSerial = (serial: string): string => serial.trim().toUpperCase();

function decideRegister(
  command: Extract<MeterCommand, { type: 'RegisterMeter' }>,
): MeterEvent[] | MeterError {
  const { meterId, kind } = command.data;
  const serial = normaliseSerial(command.data.serial);
  if (!SERIAL.test(serial)) return fail('INVALID_METER', 'serial: 3-40 letters, digits or hyphens');
  if (!meterKinds.includes(kind)) return fail('INVALID_METER', `unknown meter kind ${kind}`);
  const publicKey = normalisePublicKey(command.data.publicKey);
  if (publicKey === null)
    return fail('INVALID_PUBLIC_KEY', 'expected a 33-byte compressed secp256k1 key');
  return [
    {
      type: 'MeterRegistered',
      data: { meterId, serial, publicKey, kind, registeredAt: command.metadata.now },
    },
  ];
}

export function decideMeter(command: MeterCommand, state: MeterState): MeterEvent[] | MeterError {
  if (command.type === 'RegisterMeter')
    return state.status === 'none'
      ? decideRegister(command)
      : fail('METER_EXISTS', 'meter already registered');
  if (state.status === 'none') return fail('METER_NOT_FOUND', 'no such meter');
  const { now } = command.metadata;
  switch (command.type) {
    case 'AssignMeter': {
      const { propertyId, gatewayId } = command.data;
      if (state.propertyId === propertyId && state.gatewayId === gatewayId) return [];
      if (state.status === 'disabled')
        return fail('METER_DISABLED', 'a disabled meter cannot be assigned');
      if (state.propertyId !== null)
        return fail('METER_ALREADY_ASSIGNED', `meter is assigned to property ${state.propertyId}`);
      return [{ type: 'MeterAssigned', data: { propertyId, gatewayId, assignedAt: now } }];
    }
    case 'UnassignMeter':
      // Idempotent, so a compensating unassign after a failed approval can be retried.
      if (state.propertyId !== command.data.propertyId) return [];
      return [{ type: 'MeterUnassigned', data: { ...command.data, unassignedAt: now } }];
    case 'RotateMeterKey': {
      const publicKey = normalisePublicKey(command.data.publicKey);
      if (publicKey === null)
        return fail('INVALID_PUBLIC_KEY', 'expected a 33-byte compressed secp256k1 key');
      // A key that was ever used stays retired, so every reading maps to one key period.
      if (state.keys.some((key) => key.publicKey === publicKey))
        return fail('KEY_REUSED', 'key was used before');
      const previousPublicKey = state.keys[state.keys.length - 1]!.publicKey;
      return [{ type: 'MeterKeyRotated', data: { publicKey, previousPublicKey, validFrom: now } }];
    }
    case 'DisableMeter':
      if (state.status === 'disabled') return [];
      return [
        { type: 'MeterDisabled', data: { reason: command.data.reason.trim(), disabledAt: now } },
      ];
    case 'EnableMeter':
      if (state.status === 'enabled') return [];
      return [{ type: 'MeterEnabled', data: { enabledAt: now } }];
    case 'RecordReading':
      return decideReading(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}
