// The demo calendar in India Standard Time: history from the first of the
// previous month, that month as the first bill run's period, tariffs from the
// start of its financial year, across the turn of the year and of a month.

import { describe, expect, it } from 'vitest';
import { demoTimeline } from '../../src/demo/timeline.ts';

describe('demoTimeline', () => {
  it('starts the history at midnight IST on the first of the previous month', () => {
    const t = demoTimeline(new Date('2026-11-27T10:00:00Z'));
    expect(new Date(t.historyFrom).toISOString()).toBe('2026-09-30T18:30:00.000Z');
    expect(t.lastPeriod).toBe('2026-10');
    expect(t.tariffFrom).toBe('2026-04-01');
  });

  it('reaches back into December of the year before in January', () => {
    const t = demoTimeline(new Date('2027-01-05T00:00:00Z'));
    expect(t.lastPeriod).toBe('2026-12');
    expect(t.tariffFrom).toBe('2026-04-01');
  });

  it('uses the previous financial year when last month was before April', () => {
    expect(demoTimeline(new Date('2027-04-10T00:00:00Z')).tariffFrom).toBe('2026-04-01');
    expect(demoTimeline(new Date('2027-05-10T00:00:00Z')).tariffFrom).toBe('2027-04-01');
  });

  it('counts the month by the Indian date, not the UTC one', () => {
    // 1 December 02:00 IST is still 30 November in UTC: last month is November.
    const t = demoTimeline(new Date('2026-11-30T20:30:00Z'));
    expect(t.lastPeriod).toBe('2026-11');
  });
});
