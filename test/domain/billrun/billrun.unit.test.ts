import { describe, expect, it } from 'vitest';
import {
  billRunDecider,
  billRunProgress,
  billRunStream,
  decideMeters,
  foldBillRun,
  MAX_CLOSE_LEASE_MS,
  MAX_METERS_PER_RUN,
  type BillRunCommand,
  type BillRunEvent,
} from '../../../src/domain/billrun/index.ts';
import { given } from '../../support/decider-spec.ts';

describe('bill run: StartBillRun', () => {
  it('starts a run for a period with its meters', () => {
    given(billRunDecider).when(startCmd()).then([started]);
  });
  it('rejects a second start', () => {
    given(billRunDecider, [started]).when(startCmd()).thenFails('RUN_ALREADY_STARTED');
  });
  it.each([
    ['INVALID_PERIOD', { period: '2026-00' }],
    ['INVALID_DEADLINE', { deadline: 'tomorrow' }],
    ['INVALID_DEADLINE', { deadline: '2026-01-31T23:00:00.000Z' }],
    ['NO_METERS', { meters: [] }],
    [
      'TOO_MANY_METERS',
      {
        meters: Array.from({ length: MAX_METERS_PER_RUN + 1 }, (_, i) => ({
          meterId: `m${i}`,
          propertyId: `p${i}`,
        })),
      },
    ],
    [
      'DUPLICATE_METER',
      {
        meters: [
          { meterId: 'm1', propertyId: 'p1' },
          { meterId: 'm1', propertyId: 'p2' },
        ],
      },
    ],
  ])('rejects %s', (code, change) => {
    given(billRunDecider).when(startCmd(change)).thenFails(code);
  });
});

describe('bill run: RequestMeterRead', () => {
  it('records the request once', () => {
    given(billRunDecider, [started])
      .when(cmd('RequestMeterRead', { meterId: 'm1' }))
      .then([requested('m1')]);
    given(billRunDecider, [started, requested('m1')])
      .when(cmd('RequestMeterRead', { meterId: 'm1' }))
      .then([]);
  });
  it('rejects requests after the deadline, unknown meters and unstarted runs', () => {
    given(billRunDecider, [started])
      .when(cmd('RequestMeterRead', { meterId: 'm1' }, after))
      .thenFails('DEADLINE_PASSED');
    given(billRunDecider, [started])
      .when(cmd('RequestMeterRead', { meterId: 'mX' }))
      .thenFails('METER_NOT_IN_RUN');
    given(billRunDecider)
      .when(cmd('RequestMeterRead', { meterId: 'm1' }))
      .thenFails('RUN_NOT_STARTED');
  });
});

describe('bill run: RecordMeterAnswer', () => {
  it('records the reading event id', () => {
    given(billRunDecider, [started, requested('m1')])
      .when(answerCmd('m1'))
      .then([answered('m1')]);
  });
  it('treats a second answer for the same meter as a no-op', () => {
    given(billRunDecider, [started, answered('m1')])
      .when(answerCmd('m1', 'other-reading'))
      .then([]);
  });
  it('rejects an answer for a missed meter or after the deadline', () => {
    given(billRunDecider, [started, missed('m1')])
      .when(answerCmd('m1'))
      .thenFails('METER_ALREADY_MISSED');
    given(billRunDecider, [started])
      .when(answerCmd('m1', 'r-m1', after))
      .thenFails('DEADLINE_PASSED');
    given(billRunDecider, [started]).when(answerCmd('mX')).thenFails('METER_NOT_IN_RUN');
  });
});

describe('bill run: CloseBillRun', () => {
  it('records every unanswered meter as missed', () => {
    given(billRunDecider, [started, answered('m1')])
      .when(cmd('CloseBillRun', {}, after))
      .then([missedAt('m2', after), missedAt('m3', after)]);
  });
  it('completes the run when the misses end the last meters', () => {
    given(billRunDecider, [started, answered('m1'), billed('m1')])
      .when(cmd('CloseBillRun', {}, after))
      .then([
        missedAt('m2', after),
        missedAt('m3', after),
        completed({ billed: 1, missed: 2, skipped: 0 }, after),
      ]);
  });
  it('rejects closing before the deadline and closing an unstarted run', () => {
    given(billRunDecider, [started])
      .when(cmd('CloseBillRun', {}))
      .thenFails('DEADLINE_NOT_REACHED');
    given(billRunDecider)
      .when(cmd('CloseBillRun', {}, after))
      .thenFails('RUN_NOT_STARTED');
  });
  it('is a no-op on a completed run', () => {
    given(billRunDecider, allEnded)
      .when(cmd('CloseBillRun', {}, after))
      .then([]);
  });
  it('closes before the deadline once every meter has answered or ended', () => {
    const allAnswered = [started, answered('m1'), answered('m2'), answered('m3')];
    given(billRunDecider, allAnswered).when(cmd('CloseBillRun', {})).then([]);
    // A meter answered and then skipped counts in both tallies: still one pending meter.
    given(billRunDecider, [started, answered('m1'), skipped('m1'), answered('m2')])
      .when(cmd('CloseBillRun', {}))
      .thenFails('DEADLINE_NOT_REACHED');
    given(billRunDecider, [started, answered('m1'), skipped('m1'), answered('m2'), skipped('m3')])
      .when(cmd('CloseBillRun', {}))
      .then([]);
  });
});

describe('bill run: ClaimBillRunClose', () => {
  const claim = (closer: string, now = after, leaseMs = 30_000) =>
    cmd('ClaimBillRunClose', { closer, leaseMs }, now);
  const claimed = (closer: string, claimedAt: string, expiresAt: string): BillRunEvent => ({
    type: 'BillRunCloseClaimed',
    data: { closer, claimedAt, expiresAt },
  });
  const at = (seconds: number) => new Date(Date.parse(after) + seconds * 1000).toISOString();
  const heldByA = [started, claimed('gw-a', after, at(30))];

  it('gives the close to the first closer until its lease expires', () => {
    given(billRunDecider, [started])
      .when(claim('gw-a'))
      .then([claimed('gw-a', after, at(30))]);
    given(billRunDecider, heldByA)
      .when(claim('gw-b', at(10)))
      .thenFails('CLOSE_LEASE_HELD');
    given(billRunDecider, heldByA)
      .when(claim('gw-b', at(30)))
      .then([claimed('gw-b', at(30), at(60))]);
  });
  it('lets the holder claim again (a renewal, a retry, a restart) at any time', () => {
    given(billRunDecider, heldByA)
      .when(claim('gw-a', at(10)))
      .then([claimed('gw-a', at(10), at(40))]);
  });
  it('follows the deadline rule of the close, and is a no-op on a completed run', () => {
    given(billRunDecider, [started]).when(claim('gw-a', before)).thenFails('DEADLINE_NOT_REACHED');
    given(billRunDecider, [started, answered('m1'), answered('m2'), answered('m3')])
      .when(claim('gw-a', before))
      .then([claimed('gw-a', before, new Date(Date.parse(before) + 30_000).toISOString())]);
    given(billRunDecider, allEnded).when(claim('gw-a')).then([]);
    given(billRunDecider).when(claim('gw-a')).thenFails('RUN_NOT_STARTED');
  });
  it.each([
    ['no closer', ' ', 30_000],
    ['a lease of 0 ms', 'gw-a', 0],
    ['a fractional lease', 'gw-a', 1.5],
    ['a lease over the maximum', 'gw-a', MAX_CLOSE_LEASE_MS + 1],
  ])('rejects %s with INVALID_LEASE', (_label, closer, leaseMs) => {
    given(billRunDecider, [started])
      .when(claim(closer, after, leaseMs))
      .thenFails('INVALID_LEASE');
  });
});

describe('bill run: RecordMeterBilled', () => {
  it('records the bill for an answered meter', () => {
    given(billRunDecider, [started, answered('m1')])
      .when(cmd('RecordMeterBilled', { meterId: 'm1', billId: 'p1_2026-01' }))
      .then([billed('m1')]);
  });
  it('completes the run with the last meter', () => {
    given(billRunDecider, [started, answered('m1'), missed('m2'), skipped('m3')])
      .when(cmd('RecordMeterBilled', { meterId: 'm1', billId: 'p1_2026-01' }))
      .then([billed('m1'), completed({ billed: 1, missed: 1, skipped: 1 })]);
  });
  it('is a no-op when repeated', () => {
    given(billRunDecider, [started, answered('m1'), billed('m1')])
      .when(cmd('RecordMeterBilled', { meterId: 'm1', billId: 'p1_2026-01' }))
      .then([]);
  });
  it('rejects billing a meter that has not answered', () => {
    given(billRunDecider, [started])
      .when(cmd('RecordMeterBilled', { meterId: 'm1', billId: 'x' }))
      .thenFails('METER_NOT_ANSWERED');
    given(billRunDecider, [started])
      .when(cmd('RecordMeterBilled', { meterId: 'mX', billId: 'x' }))
      .thenFails('METER_NOT_IN_RUN');
  });
});

describe('bill run: SkipMeter', () => {
  it('skips a meter with a reason, once', () => {
    given(billRunDecider, [started])
      .when(cmd('SkipMeter', { meterId: 'm3', reason: ' meter disabled ' }))
      .then([skipped('m3')]);
    given(billRunDecider, [started, skipped('m3')])
      .when(cmd('SkipMeter', { meterId: 'm3', reason: 'again' }))
      .then([]);
  });
  it('rejects skipping an ended meter, an empty reason and an unknown meter', () => {
    given(billRunDecider, [started, missed('m1')])
      .when(cmd('SkipMeter', { meterId: 'm1', reason: 'x' }))
      .thenFails('METER_ALREADY_ENDED');
    given(billRunDecider, [started])
      .when(cmd('SkipMeter', { meterId: 'm1', reason: '  ' }))
      .thenFails('REASON_REQUIRED');
    given(billRunDecider, [started])
      .when(cmd('SkipMeter', { meterId: 'mX', reason: 'x' }))
      .thenFails('METER_NOT_IN_RUN');
  });
});

describe('bill run progress', () => {
  it('derives asked, answered, billed, missed and skipped from state', () => {
    const { state } = given(billRunDecider, [
      started,
      requested('m1'),
      requested('m2'),
      answered('m1'),
      billed('m1'),
      missed('m2'),
    ]);
    expect(billRunProgress(state)).toEqual({
      total: 3,
      asked: 2,
      answered: 1,
      billed: 1,
      missed: 1,
      skipped: 0,
    });
    expect(state.status).toBe('open');
    expect(given(billRunDecider, allEnded).state.status).toBe('completed');
    expect(billRunStream('r1')).toBe('billrun-r1');
  });
});

describe('bill run: batches of meters', () => {
  it('records only the meters of a batch not recorded yet, in one event', () => {
    given(billRunDecider, [started, requested('m1')])
      .when(cmd('RequestMeterReads', { meterIds: ['m1', 'm2', 'm3', 'm2'] }))
      .then([
        { type: 'MeterReadsRequested', data: { meterIds: ['m2', 'm3'], requestedAt: before } },
      ]);
    given(billRunDecider, [started, answered('m2')])
      .when(cmd('RecordMeterAnswers', { answers: ['m1', 'm2', 'm3'].map(answerOf) }))
      .then([
        {
          type: 'MetersAnswered',
          data: { answers: [answerOf('m1'), answerOf('m3')], answeredAt: before },
        },
      ]);
  });
  it('is a no-op when every meter of the batch is already recorded', () => {
    given(billRunDecider, [started, answered('m1'), answered('m2')])
      .when(cmd('RecordMeterAnswers', { answers: ['m2', 'm1'].map(answerOf) }))
      .then([]);
    given(billRunDecider, [started])
      .when(cmd('RequestMeterReads', { meterIds: [] }))
      .then([]);
  });
  it('refuses the meters it cannot record, each with why, and records the others', () => {
    const { state } = given(billRunDecider, [started, missed('m2'), answered('m3')]);
    const answers = ['m1', 'm2', 'mX', 'm3'].map(answerOf);
    const decided = decideMeters(
      { type: 'RecordMeterAnswers', data: { answers }, metadata: meta(before) },
      state,
    );
    expect(decided.events).toEqual([
      { type: 'MetersAnswered', data: { answers: [answerOf('m1')], answeredAt: before } },
    ]);
    expect(decided.refused.map((r) => [r.meterId, r.error.code])).toEqual([
      ['m2', 'METER_ALREADY_MISSED'],
      ['mX', 'METER_NOT_IN_RUN'],
    ]);
  });
  it('refuses a batch of which nothing can be recorded with its first refusal', () => {
    given(billRunDecider, [started])
      .when(cmd('RequestMeterReads', { meterIds: ['m1', 'm2'] }, after))
      .thenFails('DEADLINE_PASSED');
    given(billRunDecider, [started, missed('m1')])
      .when(cmd('SkipMeters', { skipped: [{ meterId: 'm1', reason: 'x' }] }))
      .thenFails('METER_ALREADY_ENDED');
    given(billRunDecider, [started])
      .when(cmd('RecordMetersBilled', { bills: [{ meterId: 'm1', billId: 'b' }] }))
      .thenFails('METER_NOT_ANSWERED');
  });
  it('ends meters in batches and completes the run with the batch that ends the last', () => {
    given(billRunDecider, [started, answered('m1'), answered('m2'), missed('m3')])
      .when(
        cmd('RecordMetersBilled', {
          bills: [
            { meterId: 'm1', billId: 'b1' },
            { meterId: 'm2', billId: 'b2' },
          ],
        }),
      )
      .then([
        {
          type: 'MetersBilled',
          data: {
            bills: [
              { meterId: 'm1', billId: 'b1' },
              { meterId: 'm2', billId: 'b2' },
            ],
            billedAt: before,
          },
        },
        completed({ billed: 2, missed: 1, skipped: 0 }),
      ]);
    given(billRunDecider, [started, answered('m1'), billed('m1')])
      .when(
        cmd('SkipMeters', {
          skipped: [
            { meterId: 'm1', reason: 'x' },
            { meterId: 'm2', reason: ' meter disabled ' },
            { meterId: 'm3', reason: '' },
          ],
        }),
      )
      .then([
        {
          type: 'MetersSkipped',
          data: { skipped: [{ meterId: 'm2', reason: 'meter disabled' }], skippedAt: before },
        },
      ]);
  });
  it('takes a meter twice in one batch once', () => {
    given(billRunDecider, [started, answered('m1')])
      .when(
        cmd('RecordMetersBilled', {
          bills: [
            { meterId: 'm1', billId: 'b1' },
            { meterId: 'm1', billId: 'b2' },
          ],
        }),
      )
      .then([
        {
          type: 'MetersBilled',
          data: { bills: [{ meterId: 'm1', billId: 'b1' }], billedAt: before },
        },
      ]);
  });
});

describe('bill run: runs written with one event per meter', () => {
  it('fold to the same state as the batch events and decide alike', () => {
    const perMeter = [
      started,
      legacy.requested('m1'),
      legacy.requested('m2'),
      legacy.answered('m1'),
      legacy.answered('m2'),
      legacy.billed('m1'),
      legacy.skipped('m2'),
    ];
    const batched = [started, requested('m1'), requested('m2')];
    batched.push(answered('m1'), answered('m2'), billed('m1'), skipped('m2'));
    const old = foldBillRun(perMeter);
    expect(old).toEqual(foldBillRun(batched));
    expect(billRunProgress(old)).toEqual({
      ...{ total: 3, asked: 2, answered: 2 },
      ...{ billed: 1, missed: 0, skipped: 1 },
    });
    given(billRunDecider, perMeter)
      .when(cmd('RecordMeterAnswers', { answers: ['m1', 'm3'].map(answerOf) }))
      .then([{ type: 'MetersAnswered', data: { answers: [answerOf('m3')], answeredAt: before } }]);
  });
});

const meta = (now: string) => ({ now, commandId: 'c', actor: 'admin-1' });
const before = '2026-02-01T06:00:00.000Z';
const deadline = '2026-02-01T12:00:00.000Z';
const after = '2026-02-01T12:00:00.000Z';
const meters = [
  { meterId: 'm1', propertyId: 'p1' },
  { meterId: 'm2', propertyId: 'p2' },
  { meterId: 'm3', propertyId: 'p3' },
];

function cmd<T extends BillRunCommand['type']>(
  type: T,
  data: Extract<BillRunCommand, { type: T }>['data'],
  now = before,
): BillRunCommand {
  return { type, data, metadata: { now, commandId: 'c', actor: 'admin-1' } } as BillRunCommand;
}

const startCmd = (change: object = {}) =>
  cmd('StartBillRun', { runId: 'run-1', period: '2026-01', deadline, meters, ...change });

const started: BillRunEvent = {
  type: 'BillRunStarted',
  data: {
    runId: 'run-1',
    period: '2026-01',
    deadline,
    meters,
    startedBy: 'admin-1',
    startedAt: before,
  },
};
const requested = (meterId: string): BillRunEvent => ({
  type: 'MeterReadsRequested',
  data: { meterIds: [meterId], requestedAt: before },
});
const answerCmd = (meterId: string, readingEventId = `r-${meterId}`, now = before) =>
  cmd('RecordMeterAnswer', { meterId, readingEventId, readingRevision: 3 }, now);
const answerOf = (meterId: string) => ({
  meterId,
  readingEventId: `r-${meterId}`,
  readingRevision: 3,
});
const answered = (meterId: string): BillRunEvent => ({
  type: 'MetersAnswered',
  data: { answers: [answerOf(meterId)], answeredAt: before },
});
const missedAt = (meterId: string, at: string): BillRunEvent => ({
  type: 'MeterReadingMissed',
  data: { meterId, missedAt: at },
});
const missed = (meterId: string) => missedAt(meterId, after);
const billed = (meterId: string): BillRunEvent => ({
  type: 'MetersBilled',
  data: { bills: [{ meterId, billId: 'p1_2026-01' }], billedAt: before },
});
const skipped = (meterId: string): BillRunEvent => ({
  type: 'MetersSkipped',
  data: { skipped: [{ meterId, reason: 'meter disabled' }], skippedAt: before },
});
/** The one-meter events runs wrote before the batch events; stores still hold them. */
const legacy = {
  requested: (meterId: string): BillRunEvent => ({
    type: 'MeterReadRequested',
    data: { meterId, requestedAt: before },
  }),
  answered: (meterId: string): BillRunEvent => ({
    type: 'MeterAnswered',
    data: { ...answerOf(meterId), answeredAt: before },
  }),
  billed: (meterId: string): BillRunEvent => ({
    type: 'MeterBilled',
    data: { meterId, billId: 'p1_2026-01', billedAt: before },
  }),
  skipped: (meterId: string): BillRunEvent => ({
    type: 'MeterSkipped',
    data: { meterId, reason: 'meter disabled', skippedAt: before },
  }),
};
const completed = (
  counts: { billed: number; missed: number; skipped: number },
  at = before,
): BillRunEvent => ({ type: 'BillRunCompleted', data: { ...counts, completedAt: at } });
const allEnded = [
  started,
  answered('m1'),
  billed('m1'),
  missed('m2'),
  missed('m3'),
  completed({ billed: 1, missed: 2, skipped: 0 }, after),
];
