// Whatever order and repetition the gateway, the services and the scheduler
// send commands in, a bill run stays consistent: counts never exceed the
// meters, a meter ends once, and the run completes exactly once, exactly
// when its last meter ends.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  billRunDecider,
  billRunProgress,
  type BillRunCommand,
  type BillRunEvent,
  type BillRunState,
} from '../../../src/domain/billrun/index.ts';
import { DomainError } from '../../../src/domain/shared/decider.ts';

const meterIds = ['m1', 'm2', 'm3', 'm4'];
const deadline = '2026-02-02T06:00:00.000Z';
const times = ['2026-02-01T00:00:00.000Z', deadline, '2026-02-03T00:00:00.000Z'];

const commandArb: fc.Arbitrary<BillRunCommand> = fc
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

function run(commands: BillRunCommand[]) {
  let state: BillRunState = billRunDecider.initialState;
  const log: BillRunEvent[] = [];
  for (const command of [start, ...commands]) {
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
        const ends = log.filter((e) =>
          ['MeterBilled', 'MeterReadingMissed', 'MeterSkipped'].includes(e.type),
        );
        const endedMeters = ends.map((e) => (e.data as { meterId: string }).meterId);
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
          if (e.type === 'MeterAnswered') expect(e.data.answeredAt < deadline).toBe(true);
          if (e.type === 'MeterReadingMissed') expect(e.data.missedAt >= deadline).toBe(true);
        }
      }),
    );
  });
});
