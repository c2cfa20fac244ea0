import { describe, expect, it } from 'vitest';
import {
  currentKey,
  keyValidAt,
  meterDecider as decider,
} from '../../../src/domain/meter/index.ts';
import type { MeterEvent } from '../../../src/domain/meter/index.ts';
import { given } from '../../support/decider-spec.ts';
import {
  KEY_A,
  KEY_B,
  T0,
  T1,
  assigned,
  cmd,
  gatewayId,
  meterDisabled,
  meterId,
  propertyId,
  registered,
} from './fixtures.ts';

const register = (
  data: Partial<{ serial: string; publicKey: string; kind: 'single-phase' }> = {},
) =>
  cmd(
    'RegisterMeter',
    { meterId, serial: ' sn-0001 ', publicKey: KEY_A.toUpperCase(), kind: 'single-phase', ...data },
    T0,
  );

describe('meter: register', () => {
  it('registers with a normalised serial and key; the key is valid from registration', () => {
    given(decider).when(register()).then([registered]);
    const { state } = given(decider, [registered]);
    expect(state).toMatchObject({ status: 'enabled', keys: [{ publicKey: KEY_A, validFrom: T0 }] });
    expect(currentKey(state)).toBe(KEY_A);
  });
  it('rejects a second registration', () => {
    given(decider, [registered]).when(register()).thenFails('METER_EXISTS');
  });
  it('rejects bad serials and kinds', () => {
    given(decider)
      .when(register({ serial: 'a' }))
      .thenFails('INVALID_METER');
    given(decider)
      .when(register({ serial: 'SN 0001' }))
      .thenFails('INVALID_METER');
    given(decider)
      .when(register({ kind: 'dc' as 'single-phase' }))
      .thenFails('INVALID_METER');
  });
  it('rejects keys that are not 33-byte compressed points on the curve', () => {
    const uncompressed = `04${'11'.repeat(64)}`;
    const notOnCurve = `02${'00'.repeat(32)}`;
    for (const publicKey of [
      uncompressed,
      notOnCurve,
      KEY_A.slice(0, 64),
      `05${KEY_A.slice(2)}`,
      'zz'.repeat(33),
    ]) {
      given(decider).when(register({ publicKey })).thenFails('INVALID_PUBLIC_KEY');
    }
  });
  it('other commands need a registered meter', () => {
    given(decider).when(cmd('EnableMeter', {})).thenFails('METER_NOT_FOUND');
  });
});

describe('meter: assign and unassign', () => {
  const assign = cmd('AssignMeter', { propertyId, gatewayId }, T0);
  it('assigns an unassigned, enabled meter', () => {
    given(decider, [registered]).when(assign).then([assigned]);
  });
  it('assigning again to the same property and gateway is a no-op', () => {
    given(decider, [registered, assigned]).when(assign).then([]);
  });
  it('rejects a meter assigned elsewhere', () => {
    given(decider, [registered, assigned])
      .when(cmd('AssignMeter', { propertyId: 'prop-2', gatewayId }))
      .thenFails('METER_ALREADY_ASSIGNED');
  });
  it('rejects a disabled meter', () => {
    given(decider, [registered, meterDisabled]).when(assign).thenFails('METER_DISABLED');
  });
  it('unassigns from its property; unassigning from another property does nothing', () => {
    given(decider, [registered, assigned])
      .when(cmd('UnassignMeter', { propertyId, reason: 'approval failed' }))
      .then([
        {
          type: 'MeterUnassigned',
          data: { propertyId, reason: 'approval failed', unassignedAt: T1 },
        },
      ]);
    given(decider, [registered, assigned])
      .when(cmd('UnassignMeter', { propertyId: 'prop-2', reason: 'x' }))
      .then([]);
  });
});

describe('meter: key rotation', () => {
  const rotated: MeterEvent = {
    type: 'MeterKeyRotated',
    data: { publicKey: KEY_B, previousPublicKey: KEY_A, validFrom: T1 },
  };
  it('rotates and keeps the history with validFrom', () => {
    given(decider, [registered])
      .when(cmd('RotateMeterKey', { publicKey: KEY_B }))
      .then([rotated]);
    const { state } = given(decider, [registered, rotated]);
    expect(state).toMatchObject({
      keys: [
        { publicKey: KEY_A, validFrom: T0 },
        { publicKey: KEY_B, validFrom: T1 },
      ],
    });
    expect(currentKey(state)).toBe(KEY_B);
  });
  it('keyValidAt picks the key in force when a reading arrived', () => {
    const keys = [
      { publicKey: KEY_A, validFrom: T0 },
      { publicKey: KEY_B, validFrom: T1 },
    ];
    expect(keyValidAt(keys, '2026-01-09T00:00:00.000Z')).toBeNull();
    expect(keyValidAt(keys, T0)).toBe(KEY_A);
    expect(keyValidAt(keys, '2026-01-11T09:59:59.999Z')).toBe(KEY_A);
    expect(keyValidAt(keys, T1)).toBe(KEY_B);
  });
  it('rejects a bad key and any key used before', () => {
    given(decider, [registered])
      .when(cmd('RotateMeterKey', { publicKey: 'beef' }))
      .thenFails('INVALID_PUBLIC_KEY');
    given(decider, [registered])
      .when(cmd('RotateMeterKey', { publicKey: KEY_A }))
      .thenFails('KEY_REUSED');
    given(decider, [registered, rotated])
      .when(cmd('RotateMeterKey', { publicKey: KEY_A }))
      .thenFails('KEY_REUSED');
  });
});

describe('meter: disable and enable', () => {
  it('disables with a reason; again is a no-op', () => {
    given(decider, [registered, assigned])
      .when(cmd('DisableMeter', { reason: ' second consecutive missed reading ' }, T0))
      .then([meterDisabled]);
    given(decider, [registered, meterDisabled])
      .when(cmd('DisableMeter', { reason: 'x' }))
      .then([]);
  });
  it('enables a disabled meter; again is a no-op', () => {
    given(decider, [registered, meterDisabled])
      .when(cmd('EnableMeter', {}))
      .then([{ type: 'MeterEnabled', data: { enabledAt: T1 } }]);
    given(decider, [registered]).when(cmd('EnableMeter', {})).then([]);
  });
});
