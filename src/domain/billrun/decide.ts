// Commands on a bill run. Gateways and services retry, so every per-meter
// command that repeats what already happened returns `[]` instead of failing;
// only contradictions (an answer after the meter was recorded missed, a
// meter outside the run) are errors. The run completes in the same decision
// that ends its last meter, so "completed" never lags behind the meters.
//
// Gateways and the close record meters many at a time (`RequestMeterReads`,
// `RecordMeterAnswers`, `RecordMetersBilled`, `SkipMeters`): each meter of a
// batch is judged as its own command would be, only the meters not recorded
// yet go into the batch's events, and a refused meter is refused alone
// (`decideMeters` says which and why). The one-meter commands are batches of
// one, so every new write uses the batch events.

import { DomainError, type Command } from '../shared/decider.ts';
import { periodPattern } from '../billing/events.ts';
import {
  hasPendingMeters,
  type BillRunEvent,
  type BillRunState,
  type MeterAnswer,
  type MeterBill,
  type MeterProgress,
  type MeterSkip,
  type RunMeter,
} from './events.ts';
import { batches, chunks, METERS_PER_EVENT } from './batch-events.ts';

type Meta = Command<string, object>['metadata'];

export type StartBillRun = Command<
  'StartBillRun',
  { runId: string; period: string; deadline: string; meters: RunMeter[] }
>;
export type RequestMeterRead = Command<'RequestMeterRead', { meterId: string }>;
export type RecordMeterAnswer = Command<
  'RecordMeterAnswer',
  { meterId: string; readingEventId: string; readingRevision: number }
>;
export type CloseBillRun = Command<'CloseBillRun', Record<string, never>>;
/** A closer (e.g. a gateway id) takes the close for `leaseMs`, or renews its own claim. */
export type ClaimBillRunClose = Command<'ClaimBillRunClose', { closer: string; leaseMs: number }>;
export type RecordMeterBilled = Command<'RecordMeterBilled', { meterId: string; billId: string }>;
export type SkipMeter = Command<'SkipMeter', { meterId: string; reason: string }>;
export type RequestMeterReads = Command<'RequestMeterReads', { meterIds: string[] }>;
export type RecordMeterAnswers = Command<'RecordMeterAnswers', { answers: MeterAnswer[] }>;
export type RecordMetersBilled = Command<'RecordMetersBilled', { bills: MeterBill[] }>;
export type SkipMeters = Command<'SkipMeters', { skipped: MeterSkip[] }>;

/** Commands that record a fact of many meters at once. */
export type MeterBatchCommand =
  RequestMeterReads | RecordMeterAnswers | RecordMetersBilled | SkipMeters;
/** The same facts for one meter: each is decided as a batch of one. */
export type MeterCommand = RequestMeterRead | RecordMeterAnswer | RecordMeterBilled | SkipMeter;

export type BillRunCommand =
  StartBillRun | CloseBillRun | ClaimBillRunClose | MeterCommand | MeterBatchCommand;

export type BillRunErrorCode =
  | 'RUN_ALREADY_STARTED'
  | 'RUN_NOT_STARTED'
  | 'INVALID_PERIOD'
  | 'INVALID_DEADLINE'
  | 'NO_METERS'
  | 'TOO_MANY_METERS'
  | 'DUPLICATE_METER'
  | 'METER_NOT_IN_RUN'
  | 'DEADLINE_PASSED'
  | 'DEADLINE_NOT_REACHED'
  | 'METER_ALREADY_MISSED'
  | 'METER_NOT_ANSWERED'
  | 'METER_ALREADY_ENDED'
  | 'REASON_REQUIRED'
  | 'INVALID_LEASE'
  | 'CLOSE_LEASE_HELD';

export type BillRunError = DomainError<BillRunErrorCode>;

/**
 * The largest run. A run of this size lists its meters in 50 events of one
 * append and records its meters asked, answered and billed 1,000 to an
 * event (misses one event each); the close folds it once and bills meters
 * concurrently. Measured at 20,000.
 */
export const MAX_METERS_PER_RUN = 50_000;

/** The longest close lease: a closer that dies blocks others at most this long. */
export const MAX_CLOSE_LEASE_MS = 10 * 60_000;

type Open = Exclude<BillRunState, { status: 'none' }>;

const err = (code: BillRunErrorCode, message: string): BillRunError =>
  new DomainError(code, message);

/**
 * Appends `BillRunCompleted` when the given events end the last open meters.
 * The decider emits an ending event only for a meter that has not ended, so
 * the counts follow from the state's counts and the events, without a fold.
 */
function withCompletion(state: Open, events: BillRunEvent[], meta: Meta): BillRunEvent[] {
  if (state.status === 'completed' || events.length === 0) return events;
  const ended = { billed: 0, missed: 0, skipped: 0 };
  for (const e of events) {
    if (e.type === 'MetersBilled') ended.billed += e.data.bills.length;
    if (e.type === 'MeterReadingMissed') ended.missed++;
    if (e.type === 'MetersSkipped') ended.skipped += e.data.skipped.length;
  }
  const billed = state.progress.billed + ended.billed;
  const missed = state.progress.missed + ended.missed;
  const skipped = state.progress.skipped + ended.skipped;
  if (billed + missed + skipped < state.progress.total) return events;
  return [
    ...events,
    { type: 'BillRunCompleted', data: { billed, missed, skipped, completedAt: meta.now } },
  ];
}

function start(command: StartBillRun, state: BillRunState): BillRunEvent[] | BillRunError {
  if (state.status !== 'none') return err('RUN_ALREADY_STARTED', `run ${state.runId} exists`);
  const { runId, period, deadline, meters } = command.data;
  if (!periodPattern.test(period)) return err('INVALID_PERIOD', 'period must be YYYY-MM');
  const deadlineAt = Date.parse(deadline);
  if (Number.isNaN(deadlineAt) || deadlineAt <= Date.parse(command.metadata.now))
    return err('INVALID_DEADLINE', 'deadline must be an ISO instant in the future');
  if (meters.length === 0) return err('NO_METERS', 'a bill run needs at least one meter');
  if (meters.length > MAX_METERS_PER_RUN)
    return err('TOO_MANY_METERS', `at most ${MAX_METERS_PER_RUN} meters per run`);
  if (new Set(meters.map((m) => m.meterId)).size !== meters.length)
    return err('DUPLICATE_METER', 'a meter is listed twice');
  const { now, actor } = command.metadata;
  const [first, ...rest] = chunks(meters, METERS_PER_EVENT);
  return [
    {
      type: 'BillRunStarted',
      data: { runId, period, deadline, meters: first!, startedBy: actor, startedAt: now },
    },
    ...rest.map((more): BillRunEvent => ({ type: 'BillRunMetersListed', data: { meters: more } })),
  ];
}

/** A run closes at its deadline, or before it once no meter is waiting for its answer. */
function closable(state: Open, meta: Meta): BillRunError | null {
  if (Date.parse(meta.now) < Date.parse(state.deadline) && hasPendingMeters(state))
    return err('DEADLINE_NOT_REACHED', `the run closes at ${state.deadline}`);
  return null;
}

function close(state: Open, meta: Meta): BillRunEvent[] | BillRunError {
  const refused = closable(state, meta);
  if (refused) return refused;
  const missed: BillRunEvent[] = Object.entries(state.meters)
    .filter(([, m]) => m.status === 'pending')
    .map(([meterId]) => ({ type: 'MeterReadingMissed', data: { meterId, missedAt: meta.now } }));
  return withCompletion(state, missed, meta);
}

function claimClose(command: ClaimBillRunClose, state: Open): BillRunEvent[] | BillRunError {
  if (state.status === 'completed') return [];
  const { closer, leaseMs } = command.data;
  const { now } = command.metadata;
  if (typeof closer !== 'string' || closer.trim() === '')
    return err('INVALID_LEASE', 'a close claim names its closer');
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0 || leaseMs > MAX_CLOSE_LEASE_MS)
    return err('INVALID_LEASE', `a close lease lasts 1..${MAX_CLOSE_LEASE_MS} ms`);
  const refused = closable(state, command.metadata);
  if (refused) return refused;
  const lease = state.closeLease;
  if (lease && lease.closer !== closer && Date.parse(lease.expiresAt) > Date.parse(now))
    return err('CLOSE_LEASE_HELD', `${lease.closer} holds the close until ${lease.expiresAt}`);
  const expiresAt = new Date(Date.parse(now) + leaseMs).toISOString();
  return [{ type: 'BillRunCloseClaimed', data: { closer, claimedAt: now, expiresAt } }];
}

export interface MeterBatchDecision {
  /** The meters not recorded yet, METERS_PER_EVENT to an event (and the completion, if due). */
  events: BillRunEvent[];
  /** Meters the run refuses (outside it, past the deadline, ended otherwise), each with why. */
  refused: { meterId: string; error: BillRunError }[];
}

/**
 * What a meter's fact changes in its progress, `null` when the run already
 * records it (a retry, another gateway), or why the run refuses it.
 */
type Judge<T> = (meter: MeterProgress, entry: T) => Partial<MeterProgress> | null | BillRunError;

/**
 * Judges each entry against the meter as the run, and the entries before it
 * in the batch, leave it (a meter twice in one batch is recorded once).
 */
function judgeEach<T extends { meterId: string }>(
  state: Open,
  entries: readonly T[],
  judge: Judge<T>,
): { accepted: T[]; refused: MeterBatchDecision['refused'] } {
  const changed = new Map<string, MeterProgress>();
  const accepted: T[] = [];
  const refused: MeterBatchDecision['refused'] = [];
  for (const entry of entries) {
    const { meterId } = entry;
    const meter = changed.get(meterId) ?? state.meters[meterId];
    const verdict = meter
      ? judge(meter, entry)
      : err('METER_NOT_IN_RUN', `meter ${meterId} is not in run ${state.runId}`);
    if (verdict instanceof DomainError) refused.push({ meterId, error: verdict });
    else if (verdict !== null) {
      accepted.push(entry);
      changed.set(meterId, { ...meter!, ...verdict });
    }
  }
  return { accepted, refused };
}

const asMeterBatch = (command: MeterCommand): MeterBatchCommand => {
  const { metadata } = command;
  switch (command.type) {
    case 'RequestMeterRead':
      return { type: 'RequestMeterReads', data: { meterIds: [command.data.meterId] }, metadata };
    case 'RecordMeterAnswer': {
      const { meterId, readingEventId, readingRevision } = command.data;
      const answers = [{ meterId, readingEventId, readingRevision }];
      return { type: 'RecordMeterAnswers', data: { answers }, metadata };
    }
    case 'RecordMeterBilled': {
      const { meterId, billId } = command.data;
      return { type: 'RecordMetersBilled', data: { bills: [{ meterId, billId }] }, metadata };
    }
    case 'SkipMeter': {
      const { meterId, reason } = command.data;
      return { type: 'SkipMeters', data: { skipped: [{ meterId, reason }] }, metadata };
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

/** Decides a batch of meter facts meter by meter (see MeterBatchDecision). */
export function decideMeters(command: MeterBatchCommand, state: BillRunState): MeterBatchDecision {
  if (state.status === 'none') {
    const error = err('RUN_NOT_STARTED', 'no such bill run');
    return { events: [], refused: meterIdsOf(command).map((meterId) => ({ meterId, error })) };
  }
  const { now } = command.metadata;
  const afterDeadline = Date.parse(now) >= Date.parse(state.deadline);
  switch (command.type) {
    case 'RequestMeterReads': {
      const entries = command.data.meterIds.map((meterId) => ({ meterId }));
      const { accepted, refused } = judgeEach(state, entries, (meter) => {
        if (meter.asked || meter.status !== 'pending') return null;
        if (afterDeadline) return err('DEADLINE_PASSED', 'the run no longer asks for readings');
        return { asked: true };
      });
      const events = batches(accepted).map((batch): BillRunEvent => ({
        type: 'MeterReadsRequested',
        data: { meterIds: batch.map((a) => a.meterId), requestedAt: now },
      }));
      return { events, refused };
    }
    case 'RecordMeterAnswers': {
      const { accepted, refused } = judgeEach(state, command.data.answers, (meter, answer) => {
        if (meter.status === 'missed')
          return err('METER_ALREADY_MISSED', `meter ${answer.meterId} was recorded as missed`);
        if (meter.status !== 'pending') return null;
        if (afterDeadline) return err('DEADLINE_PASSED', 'the answer came after the deadline');
        return { status: 'answered' };
      });
      const events = batches(accepted).map((batch): BillRunEvent => ({
        type: 'MetersAnswered',
        data: {
          answers: batch.map(({ meterId, readingEventId, readingRevision }) => ({
            ...{ meterId, readingEventId, readingRevision },
          })),
          answeredAt: now,
        },
      }));
      return { events, refused };
    }
    case 'RecordMetersBilled': {
      const { accepted, refused } = judgeEach(state, command.data.bills, (meter, bill) => {
        if (meter.status === 'billed') return null;
        if (meter.status !== 'answered')
          return err('METER_NOT_ANSWERED', `meter ${bill.meterId} is ${meter.status}`);
        return { status: 'billed' };
      });
      const events = batches(accepted).map((batch): BillRunEvent => ({
        type: 'MetersBilled',
        data: {
          bills: batch.map(({ meterId, billId }) => ({ meterId, billId })),
          billedAt: now,
        },
      }));
      return { events: withCompletion(state, events, command.metadata), refused };
    }
    case 'SkipMeters': {
      const reasons = command.data.skipped.map(({ meterId, reason }) => ({
        meterId,
        reason: typeof reason === 'string' ? reason.trim() : '',
      }));
      const { accepted, refused } = judgeEach(state, reasons, (meter, skip) => {
        if (meter.status === 'skipped') return null;
        if (meter.status === 'billed' || meter.status === 'missed')
          return err('METER_ALREADY_ENDED', `meter ${skip.meterId} is already ${meter.status}`);
        if (skip.reason === '') return err('REASON_REQUIRED', 'say why the meter is skipped');
        return { status: 'skipped' };
      });
      const events = batches(accepted).map((batch): BillRunEvent => ({
        type: 'MetersSkipped',
        data: { skipped: batch, skippedAt: now },
      }));
      return { events: withCompletion(state, events, command.metadata), refused };
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function meterIdsOf(command: MeterBatchCommand): string[] {
  switch (command.type) {
    case 'RequestMeterReads':
      return command.data.meterIds;
    case 'RecordMeterAnswers':
      return command.data.answers.map((a) => a.meterId);
    case 'RecordMetersBilled':
      return command.data.bills.map((b) => b.meterId);
    case 'SkipMeters':
      return command.data.skipped.map((s) => s.meterId);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

const isMeterCommand = (command: BillRunCommand): command is MeterCommand =>
  command.type === 'RequestMeterRead' ||
  command.type === 'RecordMeterAnswer' ||
  command.type === 'RecordMeterBilled' ||
  command.type === 'SkipMeter';

export function decide(
  command: BillRunCommand,
  state: BillRunState,
): BillRunEvent[] | BillRunError {
  if (command.type === 'StartBillRun') return start(command, state);
  if (state.status === 'none') return err('RUN_NOT_STARTED', 'no such bill run');
  if (command.type === 'CloseBillRun')
    return state.status === 'completed' ? [] : close(state, command.metadata);
  if (command.type === 'ClaimBillRunClose') return claimClose(command, state);
  // A batch is refused only when none of it can be recorded and some meter was refused.
  const batch = isMeterCommand(command) ? asMeterBatch(command) : command;
  const { events, refused } = decideMeters(batch, state);
  return events.length === 0 && refused[0] ? refused[0].error : events;
}
