// Commands on a bill run. Gateways and services retry, so every per-meter
// command that repeats what already happened returns `[]` instead of failing;
// only contradictions (an answer after the meter was recorded missed, a
// meter outside the run) are errors. The run completes in the same decision
// that ends its last meter, so "completed" never lags behind the meters.

import { DomainError, type Command } from '../shared/decider.ts';
import { periodPattern } from '../billing/events.ts';
import { hasPendingMeters, type BillRunEvent, type BillRunState, type RunMeter } from './events.ts';

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

export type BillRunCommand =
  | StartBillRun
  | RequestMeterRead
  | RecordMeterAnswer
  | CloseBillRun
  | ClaimBillRunClose
  | RecordMeterBilled
  | SkipMeter;

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
 * append and grows to some 150,000 events (asked, answered, billed); the
 * close folds it once and bills meters concurrently. Measured at 20,000.
 */
export const MAX_METERS_PER_RUN = 50_000;

/** The longest close lease: a closer that dies blocks others at most this long. */
export const MAX_CLOSE_LEASE_MS = 10 * 60_000;

/** Meters listed per event: 1,000 pairs of ids stay far below the store's 256 KiB per event. */
export const METERS_PER_EVENT = 1000;

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
  const ending = (type: BillRunEvent['type']) => events.filter((e) => e.type === type).length;
  const billed = state.progress.billed + ending('MeterBilled');
  const missed = state.progress.missed + ending('MeterReadingMissed');
  const skipped = state.progress.skipped + ending('MeterSkipped');
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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

function onMeter(
  command: Exclude<BillRunCommand, StartBillRun | CloseBillRun | ClaimBillRunClose>,
  state: Open,
): BillRunEvent[] | BillRunError {
  const { meterId } = command.data;
  const meter = state.meters[meterId];
  if (!meter) return err('METER_NOT_IN_RUN', `meter ${meterId} is not in run ${state.runId}`);
  const meta = command.metadata;
  const afterDeadline = Date.parse(meta.now) >= Date.parse(state.deadline);
  switch (command.type) {
    case 'RequestMeterRead':
      if (meter.asked || meter.status !== 'pending') return [];
      if (afterDeadline) return err('DEADLINE_PASSED', 'the run no longer asks for readings');
      return [{ type: 'MeterReadRequested', data: { meterId, requestedAt: meta.now } }];
    case 'RecordMeterAnswer': {
      if (meter.status === 'missed')
        return err('METER_ALREADY_MISSED', `meter ${meterId} was recorded as missed`);
      if (meter.status !== 'pending') return [];
      if (afterDeadline) return err('DEADLINE_PASSED', 'the answer came after the deadline');
      const { readingEventId, readingRevision } = command.data;
      const answeredAt = meta.now;
      return [
        { type: 'MeterAnswered', data: { meterId, readingEventId, readingRevision, answeredAt } },
      ];
    }
    case 'RecordMeterBilled': {
      if (meter.status === 'billed') return [];
      if (meter.status !== 'answered')
        return err('METER_NOT_ANSWERED', `meter ${meterId} is ${meter.status}`);
      const { billId } = command.data;
      return withCompletion(
        state,
        [{ type: 'MeterBilled', data: { meterId, billId, billedAt: meta.now } }],
        meta,
      );
    }
    case 'SkipMeter': {
      if (meter.status === 'skipped') return [];
      if (meter.status === 'billed' || meter.status === 'missed')
        return err('METER_ALREADY_ENDED', `meter ${meterId} is already ${meter.status}`);
      const reason = command.data.reason.trim();
      if (reason === '') return err('REASON_REQUIRED', 'say why the meter is skipped');
      return withCompletion(
        state,
        [{ type: 'MeterSkipped', data: { meterId, reason, skippedAt: meta.now } }],
        meta,
      );
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function decide(
  command: BillRunCommand,
  state: BillRunState,
): BillRunEvent[] | BillRunError {
  if (command.type === 'StartBillRun') return start(command, state);
  if (state.status === 'none') return err('RUN_NOT_STARTED', 'no such bill run');
  if (command.type === 'CloseBillRun')
    return state.status === 'completed' ? [] : close(state, command.metadata);
  if (command.type === 'ClaimBillRunClose') return claimClose(command, state);
  return onMeter(command, state);
}
