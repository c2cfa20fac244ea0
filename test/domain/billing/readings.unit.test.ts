import { describe, expect, it } from 'vitest';
import {
  findReading,
  firstReadingIn,
  lastBilledReading,
  periodEnd,
} from '../../../src/domain/billing/readings.ts';
import { reading } from '../meter/fixtures.ts';

describe('bill readings', () => {
  it('finds a recorded reading by event id and ignores tamper alarms', () => {
    expect(findReading(events, 'e2')).toEqual({
      eventId: 'e2',
      registerWh: 1500,
      readAt: '2026-01-31T00:00:00.000Z',
    });
    expect(findReading(events, 'e3')).toBeNull();
    expect(findReading(events, 'nope')).toBeNull();
  });

  it("opens at the last bill's closing reading", () => {
    const lastBilled = {
      period: '2025-12',
      billId: 'p_2025-12',
      closingReadingEventId: 'e1',
      closingWh: 1000,
      closingReadAt: '2025-12-31T00:00:00.000Z',
    };
    expect(lastBilledReading(lastBilled)).toEqual({
      eventId: 'e1',
      registerWh: 1000,
      readAt: '2025-12-31T00:00:00.000Z',
    });
  });

  it("opens at the meter's first reading when it was never billed", () => {
    expect(firstReadingIn(events)?.eventId).toBe('e1');
    expect(firstReadingIn([events[0]!])).toBeNull();
  });

  it('ends a period on its last calendar day', () => {
    expect(periodEnd('2026-01')).toBe('2026-01-31');
    expect(periodEnd('2024-02')).toBe('2024-02-29');
    expect(periodEnd('2026-12')).toBe('2026-12-31');
  });
});

const events = [
  { id: 'e0', type: 'MeterRegistered', data: {} },
  { id: 'e1', type: 'ReadingRecorded', data: reading(1, 1000, '2025-12-31T00:00:00.000Z') },
  { id: 'e2', type: 'ReadingRecorded', data: reading(2, 1500, '2026-01-31T00:00:00.000Z') },
  {
    id: 'e3',
    type: 'TamperAlarmRaised',
    data: {
      ...reading(3, 900, '2026-02-01T00:00:00.000Z'),
      lastRegisterWh: 1500,
      reportedRegisterWh: 900,
    },
  },
];
