import { describe, expect, it } from 'vitest';
import { gatewayDecider as decider, sameArea } from '../../../src/domain/gateway/index.ts';
import type { GatewayCommand, GatewayEvent } from '../../../src/domain/gateway/index.ts';
import { given } from '../../support/decider-spec.ts';

const T0 = '2026-01-10T10:00:00.000Z';
const T1 = '2026-01-11T10:00:00.000Z';
const KEY_A = '031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f';
const KEY_B = '024d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766';

const cmd = <T extends GatewayCommand['type']>(
  type: T,
  data: Extract<GatewayCommand, { type: T }>['data'],
  now = T1,
): Extract<GatewayCommand, { type: T }> =>
  ({ type, data, metadata: { now, commandId: 'c', actor: 'acc-admin' } }) as Extract<
    GatewayCommand,
    { type: T }
  >;

const registerData = {
  gatewayId: 'gw-1',
  name: ' Koramangala GW ',
  state: 'KA',
  city: 'Bengaluru',
  pincode: '560034',
  publicKey: KEY_A,
};
const registered: GatewayEvent = {
  type: 'GatewayRegistered',
  data: { ...registerData, name: 'Koramangala GW', registeredAt: T0 },
};
const disabled: GatewayEvent = {
  type: 'GatewayDisabled',
  data: { reason: 'retired', disabledAt: T0 },
};

describe('gateway: register', () => {
  it('registers with a trimmed name, its area and key', () => {
    given(decider)
      .when(cmd('RegisterGateway', registerData, T0))
      .then([registered]);
    expect(given(decider, [registered]).state).toMatchObject({ status: 'enabled', keys: [KEY_A] });
  });
  it('rejects a second registration', () => {
    given(decider, [registered])
      .when(cmd('RegisterGateway', registerData))
      .thenFails('GATEWAY_EXISTS');
  });
  it('rejects a missing name or city, or a bad pincode', () => {
    for (const bad of [{ name: ' ' }, { city: '' }, { pincode: '5600' }]) {
      given(decider)
        .when(cmd('RegisterGateway', { ...registerData, ...bad }))
        .thenFails('INVALID_GATEWAY');
    }
  });
  it('rejects a key that is not 66 hex chars starting 02/03 on the curve', () => {
    for (const publicKey of [KEY_A.slice(2), `04${KEY_A.slice(2)}`, `02${'00'.repeat(32)}`]) {
      given(decider)
        .when(cmd('RegisterGateway', { ...registerData, publicKey }))
        .thenFails('INVALID_PUBLIC_KEY');
    }
  });
  it('other commands need a registered gateway', () => {
    given(decider)
      .when(cmd('DisableGateway', { reason: 'x' }))
      .thenFails('GATEWAY_NOT_FOUND');
  });
});

describe('gateway: key rotation', () => {
  it('rotates to a new key', () => {
    given(decider, [registered])
      .when(cmd('RotateGatewayKey', { publicKey: KEY_B.toUpperCase() }))
      .then([
        {
          type: 'GatewayKeyRotated',
          data: { publicKey: KEY_B, previousPublicKey: KEY_A, rotatedAt: T1 },
        },
      ]);
  });
  it('rejects a malformed or previously used key', () => {
    given(decider, [registered])
      .when(cmd('RotateGatewayKey', { publicKey: 'abc' }))
      .thenFails('INVALID_PUBLIC_KEY');
    given(decider, [registered])
      .when(cmd('RotateGatewayKey', { publicKey: KEY_A }))
      .thenFails('KEY_REUSED');
  });
});

describe('gateway: disable and enable', () => {
  it('disables; again is a no-op', () => {
    given(decider, [registered])
      .when(cmd('DisableGateway', { reason: ' retired ' }, T0))
      .then([disabled]);
    given(decider, [registered, disabled])
      .when(cmd('DisableGateway', { reason: 'x' }))
      .then([]);
  });
  it('enables; again is a no-op', () => {
    given(decider, [registered, disabled])
      .when(cmd('EnableGateway', {}))
      .then([{ type: 'GatewayEnabled', data: { enabledAt: T1 } }]);
    given(decider, [registered]).when(cmd('EnableGateway', {})).then([]);
  });
});

describe('gateway: area', () => {
  it('matches state and city ignoring case, and the exact pincode', () => {
    const area = { state: 'KA', city: 'Bengaluru', pincode: '560034' };
    expect(sameArea(area, { state: 'ka', city: ' bengaluru', pincode: '560034' })).toBe(true);
    expect(sameArea(area, { ...area, pincode: '560001' })).toBe(false);
    expect(sameArea(area, { ...area, city: 'Mysuru' })).toBe(false);
    expect(sameArea(area, { ...area, state: 'TN' })).toBe(false);
  });
});
