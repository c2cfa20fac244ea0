// Whatever order and repetition the gateway, the services and the scheduler
// send commands in, one meter or batches of them, a bill run stays
// consistent: counts never exceed the meters, a meter ends once, and the run
// completes exactly once, exactly when its last meter ends. A batch ends
// where its meters' commands sent one by one would.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  billRunDecider,
  billRunProgress,
  decideMeters,
  type BillRunCommand,
  type BillRunEvent,
  type BillRunState,
  type MeterBatchCommand,
} from '../../../src/domain/billrun/index.ts';
import { DomainError } from '../../../src/domain/shared/decider.ts';

const meterIds = ['m1', 'm2', 'm3', 'm4'];
const deadline = '2026-02-02T06:00:00.000Z';
const times = ['2026-02-01T00:00:00.000Z', deadline, '2026-02-03T00:00:00.000Z'];

const oneMeterArb = fc
  .record({
    kind: fc.constantFrom('request', 'answer', 'billed', 'skip', 'close'),
    meterId: fc.constantFrom(...meterIds, 'stranger'),
    now: fc.constantFrom(...times),
    reading: fc.constantFrom('r1', 'r2'),
  })
  .map(({ kind, meterId, now, reading }): BillRunCommand => {
    const metadata = { now, commandId: 'c', actor: 'system:test' };
    switch (kind) {
      case 'request':
        return { type: 'RequestMeterRead', data: { meterId }, metadata };
      case 'answer':
        return {
          type: 'RecordMeterAnswer',
          data: { meterId, readingEventId: reading, readingRevision: 7 },
          metadata,
        };
      case 'billed':
        return { type: 'RecordMeterBilled', data: { meterId, billId: `b-${meterId}` }, metadata };
      case 'skip':
        return { type: 'SkipMeter', data: { meterId, reason: 'meter disabled' }, metadata };
      default:
        return { type: 'CloseBillRun', data: {}, metadata };
    }
  });

/** One kind of fact for several meters (repeats and strangers included), as batches carry them. */
const batchArb: fc.Arbitrary<MeterBatchCommand> = fc
  .record({
    kind: fc.constantFrom('request', 'answer', 'billed', 'skip'),
    meters: fc.array(fc.constantFrom(...meterIds, 'stranger'), { maxLength: 6 }),
    now: fc.constantFrom(...times),
  })
  .map(({ kind, meters, now }): MeterBatchCommand => {
    const metadata = { now, commandId: 'c', actor: 'system:test' };
    switch (kind) {
      case 'request':
        return { type: 'RequestMeterReads', data: { meterIds: meters }, metadata };
      case 'answer': {
        const answers = meters.map((meterId) => ({
          meterId,
          readingEventId: 'r1',
          readingRevision: 7,
        }));
        return { type: 'RecordMeterAnswers', data: { answers }, metadata };
      }
      case 'billed': {
        const bills = meters.map((meterId) => ({ meterId, billId: `b-${meterId}` }));
        return { type: 'RecordMetersBilled', data: { bills }, metadata };
      }
      default: {
        const skipped = meters.map((meterId) => ({ meterId, reason: 'meter disabled' }));
        return { type: 'SkipMeters', data: { skipped }, metadata };
      }
    }
  });

const commandArb: fc.Arbitrary<BillRunCommand> = fc.oneof(
  { arbitrary: oneMeterArb, weight: 3 },
  { arbitrary: batchArb, weight: 1 },
);

/** The batch as one-meter commands, in its order. */
function oneByOne(batch: MeterBatchCommand): BillRunCommand[] {
  const { metadata } = batch;
  switch (batch.type) {
    case 'RequestMeterReads':
      return batch.data.meterIds.map((meterId) => ({
        type: 'RequestMeterRead',
        data: { meterId },
        metadata,
      }));
    case 'RecordMeterAnswers':
      return batch.data.answers.map((data) => ({ type: 'RecordMeterAnswer', data, metadata }));
    case 'RecordMetersBilled':
      return batch.data.bills.map((data) => ({ type: 'RecordMeterBilled', data, metadata }));
    default:
      return batch.data.skipped.map((data) => ({ type: 'SkipMeter', data, metadata }));
  }
}

/** Meters an event ends (billed, missed, skipped), one or many. */
function endedBy(e: BillRunEvent): string[] {
  switch (e.type) {
    case 'MetersBilled':
      return e.data.bills.map((b) => b.meterId);
    case 'MetersSkipped':
      return e.data.skipped.map((s) => s.meterId);
    case 'MeterBilled':
    case 'MeterSkipped':
    case 'MeterReadingMissed':
      return [e.data.meterId];
    default:
      return [];
  }
}

const start: BillRunCommand = {
  type: 'StartBillRun',
  data: {
    runId: 'run-1',
    period: '2026-01',
    deadline,
    meters: meterIds.map((meterId) => ({ meterId, propertyId: `p-${meterId}` })),
  },
  metadata: { now: '2026-02-01T00:00:00.000Z', commandId: 'c0', actor: 'admin' },
};

function run(commands: BillRunCommand[], from: BillRunCommand[] = [start]) {
  let state: BillRunState = billRunDecider.initialState;
  const log: BillRunEvent[] = [];
  for (const command of [...from, ...commands]) {
    const outcome = billRunDecider.decide(command, state);
    if (outcome instanceof DomainError) continue;
    log.push(...outcome);
    state = outcome.reduce(billRunDecider.evolve, state);
  }
  return { state, log };
}

describe('bill run under any command sequence', () => {
  it('keeps counts within the meters and ends each meter at most once', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 40 }), (commands) => {
        const { state, log } = run(commands);
        const p = billRunProgress(state);
        expect(p.total).toBe(meterIds.length);
        expect(p.billed + p.missed + p.skipped).toBeLessThanOrEqual(p.total);
        expect(p.answered).toBeLessThanOrEqual(p.total);
        const endedMeters = log.flatMap(endedBy);
        expect(new Set(endedMeters).size).toBe(endedMeters.length);
        expect(endedMeters.every((m) => meterIds.includes(m))).toBe(true);
      }),
    );
  });

  it('completes exactly once, right after the last meter ends', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 40 }), (commands) => {
        const { state, log } = run(commands);
        const p = billRunProgress(state);
        const completions = log.flatMap((e, i) => (e.type === 'BillRunCompleted' ? [i] : []));
        const allEnded = p.billed + p.missed + p.skipped === p.total;
        expect(completions).toHaveLength(allEnded ? 1 : 0);
        expect(state.status).toBe(allEnded ? 'completed' : 'open');
        if (allEnded) expect(completions[0]).toBe(log.length - 1);
      }),
    );
  });

  it('never records an answer after the deadline or a miss before it', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 40 }), (commands) => {
        const { log } = run(commands);
        for (const e of log) {
          if (e.type === 'MetersAnswered') expect(e.data.answeredAt < deadline).toBe(true);
          if (e.type === 'MeterReadingMissed') expect(e.data.missedAt >= deadline).toBe(true);
        }
      }),
    );
  });

  it('records a batch as its meters sent one by one would, refusing the same meters', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 30 }), batchArb, (before, batch) => {
        const { state } = run(before);
        let stepped = state;
        const refusedOneByOne: string[] = [];
        for (const command of oneByOne(batch)) {
          const outcome = billRunDecider.decide(command, stepped);
          if (outcome instanceof DomainError) refusedOneByOne.push(outcome.code);
          else stepped = outcome.reduce(billRunDecider.evolve, stepped);
        }
        const batched = decideMeters(batch, state);
        expect(batched.events.reduce(billRunDecider.evolve, state)).toEqual(stepped);
        expect(batched.refused.map((r) => r.error.code)).toEqual(refusedOneByOne);
      }),
    );
  });
});
