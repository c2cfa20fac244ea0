import { describe, it } from 'vitest';
import { meterSerialDecider as decider } from '../../../src/domain/meter/index.ts';
import { given } from '../../support/decider-spec.ts';
import { T0 } from './fixtures.ts';

const reserve = (meterId: string) => ({
  type: 'ReserveMeterSerial' as const,
  data: { serial: 'SN-0001', meterId },
  metadata: { now: T0, commandId: 'c1', actor: 'acc-admin' },
});
const reserved = {
  type: 'MeterSerialReserved' as const,
  data: { serial: 'SN-0001', meterId: 'meter-1', reservedAt: T0 },
};

describe('meter serial reservation', () => {
  it('reserves a free serial', () => {
    given(decider).when(reserve('meter-1')).then([reserved]);
  });
  it('the same meter reserving again is a no-op (a retried registration)', () => {
    given(decider, [reserved]).when(reserve('meter-1')).then([]);
  });
  it('another meter cannot take a reserved serial', () => {
    given(decider, [reserved]).when(reserve('meter-2')).thenFails('SERIAL_TAKEN');
  });
});
