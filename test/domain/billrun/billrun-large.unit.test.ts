// Large runs in the bill-run domain: a run's meters are listed over several
// events of one decision, a batch of meter facts is recorded METERS_PER_EVENT
// meters to an event, the counts kept in the state match a recount, the run
// completes with its last meter, and folding a 20,000-meter run's whole
// stream (60,000 one-meter events, as runs were written before the batch
// events) takes linear, not quadratic, time.

import { describe, expect, it } from 'vitest';
import {
  billRunDecider,
  billRunProgress,
  foldBillRun,
  METERS_PER_EVENT,
  utf8Length,
  type BillRunCommand,
  type BillRunEvent,
} from '../../../src/domain/billrun/index.ts';
import { meta, meters, now, started } from './run-fixture.ts';

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
    expect(last.map((e) => e.type)).toEqual(['MetersBilled', 'BillRunCompleted']);
    expect(last[1]!.data).toMatchObject({ billed: n, missed: 0, skipped: 0 });
  });

  it('records a 20,000-meter run in batch events of METERS_PER_EVENT meters, completing with the last batch', () => {
    const n = 20_000;
    const events: BillRunEvent[] = [...started(n)];
    const ids = meters(n).map((m) => m.meterId);
    const decideAndKeep = (command: BillRunCommand) => {
      const decided = billRunDecider.decide(command, foldBillRun(events));
      if (decided instanceof Error) throw decided;
      events.push(...decided);
      return decided;
    };
    const asked = decideAndKeep({
      type: 'RequestMeterReads',
      data: { meterIds: ids },
      metadata: meta,
    });
    expect(asked).toHaveLength(n / METERS_PER_EVENT);
    const answers = ids.map((meterId, i) => ({
      meterId,
      readingEventId: `e${i}`,
      readingRevision: 3,
    }));
    decideAndKeep({ type: 'RecordMeterAnswers', data: { answers }, metadata: meta });
    const bills = ids.map((meterId) => ({ meterId, billId: `b-${meterId}` }));
    const billed = decideAndKeep({ type: 'RecordMetersBilled', data: { bills }, metadata: meta });
    expect(billed.map((e) => e.type)).toEqual([
      ...Array<string>(n / METERS_PER_EVENT).fill('MetersBilled'),
      'BillRunCompleted',
    ]);
    expect(billed.at(-1)!.data).toMatchObject({ billed: n, missed: 0, skipped: 0 });
    // 20 listing events, 20 asked, 20 answered, 20 billed, 1 completed (was 60,001 past the listing).
    expect(events).toHaveLength(81);
    const state = foldBillRun(events);
    expect(billRunProgress(state)).toEqual({
      ...{ total: n, asked: n, answered: n },
      ...{ billed: n, missed: 0, skipped: 0 },
    });
    expect(state.status).toBe('completed');
  });

  it('splits a batch of long skip reasons over events that each stay under the store limit', () => {
    const n = METERS_PER_EVENT;
    const state = foldBillRun(started(n));
    // 400 characters of 2-byte UTF-8: 1,000 of them would be some 800 KiB in one event.
    const reason = 'é'.repeat(400);
    const skipped = meters(n).map((m) => ({ meterId: m.meterId, reason }));
    const decided = billRunDecider.decide(
      { type: 'SkipMeters', data: { skipped }, metadata: meta },
      state,
    );
    if (decided instanceof Error) throw decided;
    const batches = decided.filter((e) => e.type === 'MetersSkipped');
    expect(batches.length).toBeGreaterThan(3);
    for (const e of batches)
      expect(new TextEncoder().encode(JSON.stringify(e.data)).length).toBeLessThan(256 * 1024);
    expect(batches.flatMap((e) => e.data.skipped)).toEqual(skipped);
    expect(decided.at(-1)!.type).toBe('BillRunCompleted');
  });

  it('counts the UTF-8 bytes as the encoder would, without encoding it', () => {
    const texts = ['m-1', 'é', '€ 5', '😀', 'a😀b', '\ud83d', '\ude00x', 'x\ud83d', ''];
    for (const text of texts)
      expect(utf8Length(text), JSON.stringify(text)).toBe(new TextEncoder().encode(text).length);
  });
});
