import { describe, expect, it } from 'vitest';
import {
  meterBillingDecider,
  meterBillingStream,
  type MeterBillingEvent,
  type RecordPeriodBilled,
  type RecordPeriodMissed,
} from '../../../src/domain/billing/meterbilling/index.ts';
import { given } from '../../support/decider-spec.ts';

describe('meter billing history: RecordPeriodMissed', () => {
  it('counts the first miss', () => {
    given(meterBillingDecider)
      .when(missed('2026-01'))
      .then([missedEvent('2026-01', 1)]);
  });

  it('counts consecutive misses', () => {
    given(meterBillingDecider, [billedEvent('2025-12'), missedEvent('2026-01', 1)])
      .when(missed('2026-02'))
      .then([missedEvent('2026-02', 2)]);
  });

  it('is a no-op when the same period is recorded missed again', () => {
    given(meterBillingDecider, [missedEvent('2026-01', 1)])
      .when(missed('2026-01'))
      .then([]);
  });

  it('rejects a miss for a period already billed', () => {
    given(meterBillingDecider, [billedEvent('2026-01')])
      .when(missed('2026-01'))
      .thenFails('PERIOD_ALREADY_SETTLED');
  });

  it('rejects an earlier period', () => {
    given(meterBillingDecider, [billedEvent('2026-02')])
      .when(missed('2026-01'))
      .thenFails('PERIOD_OUT_OF_ORDER');
  });

  it('rejects a malformed period', () => {
    given(meterBillingDecider).when(missed('2026-1')).thenFails('INVALID_PERIOD');
  });
});

describe('meter billing history: RecordPeriodBilled', () => {
  it('records the closing reading and resets the miss count', () => {
    const spec = given(meterBillingDecider, [missedEvent('2026-01', 1)]);
    spec.when(billed('2026-02')).then([billedEvent('2026-02')]);
    const after = [missedEvent('2026-01', 1), billedEvent('2026-02')].reduce(
      meterBillingDecider.evolve,
      meterBillingDecider.initialState,
    );
    expect(after.consecutiveMisses).toBe(0);
    expect(after.lastBilled).toEqual({
      period: '2026-02',
      billId: 'prop-1_2026-02',
      closingReadingEventId: 'r-2026-02',
      closingWh: 5000,
      closingReadAt: '2026-02-28T00:00:00.000Z',
    });
  });

  it('is a no-op when the same period is recorded billed again', () => {
    given(meterBillingDecider, [billedEvent('2026-02')])
      .when(billed('2026-02'))
      .then([]);
  });

  it('rejects billing a period recorded missed', () => {
    given(meterBillingDecider, [missedEvent('2026-02', 1)])
      .when(billed('2026-02'))
      .thenFails('PERIOD_ALREADY_SETTLED');
  });

  it('rejects an earlier period and a malformed one', () => {
    given(meterBillingDecider, [billedEvent('2026-02')])
      .when(billed('2026-01'))
      .thenFails('PERIOD_OUT_OF_ORDER');
    given(meterBillingDecider).when(billed('Feb 2026')).thenFails('INVALID_PERIOD');
  });

  it('names the stream after the meter', () => {
    expect(meterBillingStream('m-1')).toBe('meterbilling-m-1');
  });
});

const meta = { now: '2026-03-01T00:00:00.000Z', commandId: 'c', actor: 'system:billrun' };

const missed = (period: string): RecordPeriodMissed => ({
  type: 'RecordPeriodMissed',
  data: { period, propertyId: 'prop-1', runId: `run-${period}` },
  metadata: meta,
});

const missedEvent = (period: string, consecutiveMisses: number): MeterBillingEvent => ({
  type: 'PeriodMissed',
  data: {
    period,
    propertyId: 'prop-1',
    runId: `run-${period}`,
    consecutiveMisses,
    missedAt: meta.now,
  },
});

const billedData = (period: string) => ({
  period,
  propertyId: 'prop-1',
  billId: `prop-1_${period}`,
  closingReadingEventId: `r-${period}`,
  closingWh: 5000,
  closingReadAt: '2026-02-28T00:00:00.000Z',
  runId: `run-${period}`,
});

const billed = (period: string): RecordPeriodBilled => ({
  type: 'RecordPeriodBilled',
  data: billedData(period),
  metadata: meta,
});

const billedEvent = (period: string): MeterBillingEvent => ({
  type: 'PeriodBilled',
  data: { ...billedData(period), billedAt: meta.now },
});
