// Tentative changes to a run's state (events.ts `tentative`): writers decide
// several steps on the run's own state instead of a copy of its meter table,
// and roll back. After a rollback the state must equal, deeply, what it was;
// the steps must see each other (a completion decided after a bill in the
// same decision); and a run started inside a tentative change leaves the
// empty base alone.

import { describe, expect, it } from 'vitest';
import {
  decideMeters,
  foldBillRun,
  tentative,
  type BillRunEvent,
  type BillRunState,
} from '../../../src/domain/billrun/index.ts';
import { deadline, meta, now, started } from './run-fixture.ts';

const answered = (ids: number[]): BillRunEvent => ({
  type: 'MetersAnswered',
  data: {
    answers: ids.map((i) => ({ meterId: `m${i}`, readingEventId: `e${i}`, readingRevision: 1 })),
    answeredAt: now,
  },
});

/** A run of 3 meters: m0 and m1 answered, m0 billed; m2 pending. */
const partway = (): BillRunState =>
  foldBillRun([
    ...started(3),
    answered([0, 1]),
    { type: 'MetersBilled', data: { bills: [{ meterId: 'm0', billId: 'b0' }], billedAt: now } },
  ]);

describe('bill run: tentative changes', () => {
  it('rolls every change back: meters, counts, lease and status as they were', () => {
    const state = partway();
    const before = structuredClone(state);
    const draft = tentative(state);
    draft.apply(answered([2]));
    draft.apply({
      type: 'BillRunCloseClaimed',
      data: { closer: 'gw-a', claimedAt: now, expiresAt: deadline },
    });
    draft.apply({
      type: 'MetersBilled',
      data: { bills: [1, 2].map((i) => ({ meterId: `m${i}`, billId: `b${i}` })), billedAt: now },
    });
    draft.apply({
      type: 'BillRunCompleted',
      data: { billed: 3, missed: 0, skipped: 0, completedAt: now },
    });
    expect(draft.state).toBe(state);
    expect(state.status).toBe('completed');
    draft.rollback();
    expect(state).toEqual(before);
    // Key order too (the close lists meters in the run's order).
    expect(state.status !== 'none' && Object.keys(state.meters)).toEqual(['m0', 'm1', 'm2']);
  });

  it('lets each step see the ones before it: billing the last meters completes the run', () => {
    const state = partway();
    const draft = tentative(state);
    const events: BillRunEvent[] = [];
    for (const meterId of ['m2']) {
      const answer = { meterId, readingEventId: 'e2', readingRevision: 1 };
      const command = { type: 'RecordMeterAnswers' as const, data: { answers: [answer] } };
      for (const e of decideMeters({ ...command, metadata: meta }, draft.state).events) {
        draft.apply(e);
        events.push(e);
      }
    }
    const bills = ['m1', 'm2'].map((meterId) => ({ meterId, billId: `b-${meterId}` }));
    const billed = decideMeters(
      { type: 'RecordMetersBilled', data: { bills }, metadata: meta },
      draft.state,
    );
    events.push(...billed.events);
    draft.rollback();
    expect(events.map((e) => e.type)).toEqual([
      'MetersAnswered',
      'MetersBilled',
      'BillRunCompleted',
    ]);
    expect(state).toEqual(partway());
  });

  it('keeps an empty base empty when the run starts inside the change', () => {
    const base: BillRunState = { status: 'none' };
    const draft = tentative(base);
    for (const e of started(3)) draft.apply(e);
    draft.apply(answered([0]));
    expect(draft.state.status).toBe('open');
    draft.rollback();
    expect(base).toEqual({ status: 'none' });
  });

  it('rolls back a 20,000-meter run touching only the meters changed', () => {
    const state = foldBillRun(started(20_000));
    const draft = tentative(state);
    draft.apply(answered(Array.from({ length: 1000 }, (_, i) => i * 20)));
    expect(state.status !== 'none' && state.progress.answered).toBe(1000);
    draft.rollback();
    expect(state).toEqual(foldBillRun(started(20_000)));
  });
});
