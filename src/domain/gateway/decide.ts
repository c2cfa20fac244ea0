// Commands on a gateway: register, rotate its key, disable, enable. Only admins
// reach these (checked by the web layer); the decider validates the data.

import { DomainError, type Command } from '../shared/decider.ts';
import { normalisePublicKey } from '../meter/public-key.ts';
import type { GatewayEvent, GatewayState } from './events.ts';

export type GatewayErrorCode =
  'GATEWAY_NOT_FOUND' | 'GATEWAY_EXISTS' | 'INVALID_GATEWAY' | 'INVALID_PUBLIC_KEY' | 'KEY_REUSED';
export type GatewayError = DomainError<GatewayErrorCode>;
const fail = (code: GatewayErrorCode, message: string): GatewayError =>
  new DomainError(code, message);

export type GatewayCommand =
  | Command<
      'RegisterGateway',
      {
        gatewayId: string;
        name: string;
        state: string;
        city: string;
        pincode: string;
        publicKey: string;
      }
    >
  | Command<'RotateGatewayKey', { publicKey: string }>
  | Command<'DisableGateway', { reason: string }>
  | Command<'EnableGateway', Record<string, never>>;

const PINCODE = /^[1-9][0-9]{5}$/;

function decideRegister(
  command: Extract<GatewayCommand, { type: 'RegisterGateway' }>,
): GatewayEvent[] | GatewayError {
  const { gatewayId, pincode } = command.data;
  const name = command.data.name.trim();
  const state = command.data.state.trim();
  const city = command.data.city.trim();
  if (!name || !state || !city) return fail('INVALID_GATEWAY', 'name, state and city are required');
  if (!PINCODE.test(pincode)) return fail('INVALID_GATEWAY', 'pincode must be 6 digits');
  const publicKey = normalisePublicKey(command.data.publicKey);
  if (publicKey === null)
    return fail('INVALID_PUBLIC_KEY', 'expected a 33-byte compressed secp256k1 key');
  return [
    {
      type: 'GatewayRegistered',
      data: {
        gatewayId,
        name,
        state,
        city,
        pincode,
        publicKey,
        registeredAt: command.metadata.now,
      },
    },
  ];
}

export function decideGateway(
  command: GatewayCommand,
  state: GatewayState,
): GatewayEvent[] | GatewayError {
  if (command.type === 'RegisterGateway')
    return state.status === 'none'
      ? decideRegister(command)
      : fail('GATEWAY_EXISTS', 'gateway already registered');
  if (state.status === 'none') return fail('GATEWAY_NOT_FOUND', 'no such gateway');
  const { now } = command.metadata;
  switch (command.type) {
    case 'RotateGatewayKey': {
      const publicKey = normalisePublicKey(command.data.publicKey);
      if (publicKey === null)
        return fail('INVALID_PUBLIC_KEY', 'expected a 33-byte compressed secp256k1 key');
      if (state.keys.includes(publicKey)) return fail('KEY_REUSED', 'key was used before');
      return [
        {
          type: 'GatewayKeyRotated',
          data: { publicKey, previousPublicKey: state.publicKey, rotatedAt: now },
        },
      ];
    }
    case 'DisableGateway':
      if (state.status === 'disabled') return [];
      return [
        { type: 'GatewayDisabled', data: { reason: command.data.reason.trim(), disabledAt: now } },
      ];
    case 'EnableGateway':
      if (state.status === 'enabled') return [];
      return [{ type: 'GatewayEnabled', data: { enabledAt: now } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}
