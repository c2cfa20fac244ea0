// Shared fixtures for the meter decider specs.

import type { MeterCommand, MeterEvent } from '../../../src/domain/meter/index.ts';

export const meterId = 'meter-1';
export const propertyId = 'prop-1';
export const gatewayId = 'gw-1';
export const admin = 'acc-admin';
export const T0 = '2026-01-10T10:00:00.000Z';
export const T1 = '2026-01-11T10:00:00.000Z';
// Public keys of the secret keys 0x0101…01 and 0x0202…02.
export const KEY_A = '031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f';
export const KEY_B = '024d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766';
export const SIG = 'ab'.repeat(64);

export const cmd = <T extends MeterCommand['type']>(
  type: T,
  data: Extract<MeterCommand, { type: T }>['data'],
  now = T1,
  actor = admin,
): Extract<MeterCommand, { type: T }> =>
  ({ type, data, metadata: { now, commandId: `cmd-${type}`, actor } }) as Extract<
    MeterCommand,
    { type: T }
  >;

export const registered: MeterEvent = {
  type: 'MeterRegistered',
  data: { meterId, serial: 'SN-0001', publicKey: KEY_A, kind: 'single-phase', registeredAt: T0 },
};
export const assigned: MeterEvent = {
  type: 'MeterAssigned',
  data: { propertyId, gatewayId, assignedAt: T0 },
};
export const meterDisabled: MeterEvent = {
  type: 'MeterDisabled',
  data: { reason: 'second consecutive missed reading', disabledAt: T0 },
};

/** A RecordReading's data with a placeholder signature, received as it was read. */
export const reading = (seq: number, registerWh: number, readAt = T1) => ({
  seq,
  registerWh,
  readAt,
  signature: SIG,
  runId: null as string | null,
  requestId: null as string | null,
  receivedAt: readAt,
});

export const tamperAlarm = (
  seq: number,
  lastRegisterWh: number,
  reportedRegisterWh: number,
): MeterEvent => {
  const { registerWh: _reported, ...fields } = reading(seq, reportedRegisterWh);
  return { type: 'TamperAlarmRaised', data: { ...fields, lastRegisterWh, reportedRegisterWh } };
};

export const recorded = (seq: number, registerWh: number): MeterEvent => ({
  type: 'ReadingRecorded',
  data: reading(seq, registerWh),
});
