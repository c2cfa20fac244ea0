import { describe, expect, it } from 'vitest';
import { lastReading, meterDecider as decider } from '../../../src/domain/meter/index.ts';
import { given } from '../../support/decider-spec.ts';
import {
  SIG,
  T1,
  assigned,
  cmd,
  meterDisabled,
  reading,
  recorded,
  registered,
  tamperAlarm,
} from './fixtures.ts';

const record = (seq: number, registerWh: number, extra: Partial<ReturnType<typeof reading>> = {}) =>
  cmd('RecordReading', { ...reading(seq, registerWh), ...extra }, T1, 'system:gateway');

describe('meter readings', () => {
  it('records the first reading and stores the signature as sent', () => {
    given(decider, [registered, assigned])
      .when(record(1, 1000))
      .then([recorded(1, 1000)]);
  });
  it('records a later reading with a higher seq and the same or higher register', () => {
    given(decider, [registered, assigned, recorded(1, 1000)])
      .when(record(2, 1000))
      .then([recorded(2, 1000)]);
    given(decider, [registered, assigned, recorded(1, 1000)])
      .when(record(7, 1500))
      .then([recorded(7, 1500)]);
  });
  it('keeps run and request ids and lower-cases the signature', () => {
    const spec = given(decider, [registered, assigned]).when(
      record(1, 5, { runId: 'run-1', requestId: 'req-1', signature: SIG.toUpperCase() }),
    );
    spec.then([
      { type: 'ReadingRecorded', data: { ...reading(1, 5), runId: 'run-1', requestId: 'req-1' } },
    ]);
  });
  it('a seq at or below the last one is a replay: an error and no event', () => {
    given(decider, [registered, assigned, recorded(5, 1000)])
      .when(record(5, 1200))
      .thenFails('READING_REPLAYED');
    given(decider, [registered, assigned, recorded(5, 1000)])
      .when(record(3, 1200))
      .thenFails('READING_REPLAYED');
  });
  it('a register going backwards raises a tamper alarm instead of a reading', () => {
    given(decider, [registered, assigned, recorded(5, 1000)])
      .when(record(6, 900))
      .then([tamperAlarm(6, 1000, 900)]);
  });
  it('a tamper alarm consumes its seq but not the register', () => {
    const alarm = tamperAlarm(6, 1000, 900);
    const after = given(decider, [registered, assigned, recorded(5, 1000), alarm]);
    expect(after.state).toMatchObject({ lastSeq: 6, tamperAlarms: 1 });
    expect(lastReading(after.state)).toEqual({
      seq: 5,
      registerWh: 1000,
      readAt: T1,
      receivedAt: T1,
    });
    after.when(record(6, 1100)).thenFails('READING_REPLAYED');
  });
  it('a disabled meter records nothing', () => {
    given(decider, [registered, assigned, meterDisabled])
      .when(record(1, 10))
      .thenFails('METER_DISABLED');
  });
  it('an unassigned meter records nothing', () => {
    given(decider, [registered]).when(record(1, 10)).thenFails('METER_NOT_ASSIGNED');
  });
  it('an unknown meter records nothing', () => {
    given(decider).when(record(1, 10)).thenFails('METER_NOT_FOUND');
  });
  it('rejects malformed readings', () => {
    const base = given(decider, [registered, assigned]);
    base.when(record(-1, 10)).thenFails('INVALID_READING');
    base.when(record(1.5, 10)).thenFails('INVALID_READING');
    base.when(record(1, -10)).thenFails('INVALID_READING');
    base.when(record(1, 10.5)).thenFails('INVALID_READING');
    base.when(record(1, 10, { readAt: 'yesterday' })).thenFails('INVALID_READING');
    base.when(record(1, 10, { signature: 'ab'.repeat(63) })).thenFails('INVALID_READING');
    base.when(record(1, 10, { signature: 'zz'.repeat(64) })).thenFails('INVALID_READING');
  });
  it('lastReading is null before the first reading and tracks the latest after', () => {
    expect(lastReading(given(decider).state)).toBeNull();
    expect(lastReading(given(decider, [registered, assigned]).state)).toBeNull();
    const state = given(decider, [registered, assigned, recorded(1, 10), recorded(2, 30)]).state;
    expect(lastReading(state)).toEqual({ seq: 2, registerWh: 30, readAt: T1, receivedAt: T1 });
  });
});
