// Large runs in the bill-run domain: a run's meters are listed over several
// events of one decision, the counts kept in the state match a recount, the
// run completes with its last meter, and folding a 20,000-meter run's whole
// stream (60,000 events) takes linear, not quadratic, time.

import { describe, expect, it } from 'vitest';
import {
  billRunDecider,
  billRunProgress,
  foldBillRun,
  METERS_PER_EVENT,
  type BillRunEvent,
} from '../../../src/domain/billrun/index.ts';

const now = '2026-02-01T00:00:00.000Z';
const deadline = '2026-02-02T06:00:00.000Z';
const meta = { now, commandId: 'c', actor: 'system:test' };
const meters = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ meterId: `m${i}`, propertyId: `p${i}` }));

function started(n: number): BillRunEvent[] {
  const decided = billRunDecider.decide(
    {
      type: 'StartBillRun',
      data: { runId: 'r', period: '2026-01', deadline, meters: meters(n) },
      metadata: meta,
    },
    billRunDecider.initialState,
  );
  if (decided instanceof Error) throw decided;
  return decided;
}

describe('bill run: large runs', () => {
  it('lists the meters of a run over several events of one decision', () => {
    const events = started(2 * METERS_PER_EVENT + 1);
    expect(events.map((e) => e.type)).toEqual([
      'BillRunStarted',
      'BillRunMetersListed',
      'BillRunMetersListed',
    ]);
    const listed = events.flatMap((e) => ('meters' in e.data ? e.data.meters : []));
    expect(listed).toEqual(meters(2 * METERS_PER_EVENT + 1));
    const state = foldBillRun(events);
    expect(billRunProgress(state).total).toBe(2 * METERS_PER_EVENT + 1);
    // The pure evolve and the in-place fold agree.
    expect(events.reduce(billRunDecider.evolve, billRunDecider.initialState)).toEqual(state);
  });

  it('folds a 20,000-meter run of 60,000 events in linear time and completes with its last meter', () => {
    const n = 20_000;
    const events: BillRunEvent[] = [...started(n)];
    for (let i = 0; i < n; i++)
      events.push({
        type: 'MeterAnswered',
        data: { meterId: `m${i}`, readingEventId: `e${i}`, readingRevision: 3, answeredAt: now },
      });
    for (let i = 0; i < n - 1; i++)
      events.push({
        type: 'MeterBilled',
        data: { meterId: `m${i}`, billId: `b${i}`, billedAt: now },
      });
    const t0 = performance.now();
    const state = foldBillRun(events);
    // Quadratic (a copy of the meter table per event) takes minutes here.
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(billRunProgress(state)).toEqual({
      ...{ total: n, asked: 0, answered: n },
      ...{ billed: n - 1, missed: 0, skipped: 0 },
    });
    const last = billRunDecider.decide(
      { type: 'RecordMeterBilled', data: { meterId: `m${n - 1}`, billId: 'last' }, metadata: meta },
      state,
    );
    if (last instanceof Error) throw last;
    expect(last.map((e) => e.type)).toEqual(['MeterBilled', 'BillRunCompleted']);
    expect(last[1]!.data).toMatchObject({ billed: n, missed: 0, skipped: 0 });
  });
});
