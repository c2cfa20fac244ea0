// Bill run streams (`billrun-<runId>`): one run bills a set of meters for one
// period. Each meter moves pending → (asked) → answered → billed, or ends
// missed (no answer by the deadline) or skipped (with a reason); the run
// completes when every meter has ended. Dashboards derive progress from here.
//
// A run lists its meters in `BillRunStarted` and, past the first
// METERS_PER_EVENT, in `BillRunMetersListed` events appended in the same
// append (the store caps one event at 256 KiB). Meters asked, answered,
// billed and skipped are recorded the same way, many meters to an event
// (`MeterReadsRequested`, `MetersAnswered`, `MetersBilled`, `MetersSkipped`):
// one event per meter made a 20,000-meter run 60,000 events, each hashed,
// stored, read by every subscription and folded. Runs written before keep
// their per-meter events (`MeterReadRequested`, `MeterAnswered`,
// `MeterBilled`, `MeterSkipped`), which still fold. The state keeps its
// counts as it goes and the fold used on whole streams (`foldBillRun`,
// `billRunReplay`) updates one state in place: `evolve` copies the meter
// table and is for single steps only.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';
import { periodPattern } from '../billing/events.ts';

const runMeterSchema = z.object({ meterId: z.string(), propertyId: z.string() });
export type RunMeter = z.infer<typeof runMeterSchema>;

const meterAnswerSchema = z.object({
  meterId: z.string(),
  /** The signed `ReadingRecorded` event in the meter's stream. */
  readingEventId: z.string(),
  /** Its revision in the meter stream, so billing reads that one event, not the whole stream. */
  readingRevision: z.number().int().nonnegative(),
});
export type MeterAnswer = z.infer<typeof meterAnswerSchema>;
const meterBillSchema = z.object({ meterId: z.string(), billId: z.string() });
export type MeterBill = z.infer<typeof meterBillSchema>;
const meterSkipSchema = z.object({ meterId: z.string(), reason: z.string() });
export type MeterSkip = z.infer<typeof meterSkipSchema>;

export const billRunEvents = defineEvents(
  'billrun',
  'One bill run: a period, a deadline and the progress of every meter in it.',
  {
    BillRunStarted: z.object({
      runId: z.string(),
      period: z.string().regex(periodPattern),
      /** ISO instant after which unanswered meters are recorded as missed. */
      deadline: z.string(),
      /** The first meters of the run; any more follow in `BillRunMetersListed`. */
      meters: z.array(runMeterSchema),
      startedBy: z.string(),
      startedAt: z.string(),
    }),
    /** More meters of the run, appended with `BillRunStarted` (a run is listed in one append). */
    BillRunMetersListed: z.object({ meters: z.array(runMeterSchema) }),
    /** Gateways asked these meters for their reading (up to METERS_PER_EVENT). */
    MeterReadsRequested: z.object({ meterIds: z.array(z.string()), requestedAt: z.string() }),
    /** These meters answered with a stored reading (up to METERS_PER_EVENT). */
    MetersAnswered: z.object({ answers: z.array(meterAnswerSchema), answeredAt: z.string() }),
    /** One meter asked: written by runs before `MeterReadsRequested`; still replayed. */
    MeterReadRequested: z.object({ meterId: z.string(), requestedAt: z.string() }),
    /** One meter's answer: written by runs before `MetersAnswered`; still replayed. */
    MeterAnswered: meterAnswerSchema.extend({ answeredAt: z.string() }),
    MeterReadingMissed: z.object({ meterId: z.string(), missedAt: z.string() }),
    /**
     * A closer (a gateway) holds the close until `expiresAt`: others leave the
     * billing to it meanwhile. The holder renews it as it records outcomes.
     */
    BillRunCloseClaimed: z.object({
      closer: z.string(),
      claimedAt: z.string(),
      expiresAt: z.string(),
    }),
    /** The close billed these meters (up to METERS_PER_EVENT). */
    MetersBilled: z.object({ bills: z.array(meterBillSchema), billedAt: z.string() }),
    /** The close could not bill these meters, each with why (up to METERS_PER_EVENT). */
    MetersSkipped: z.object({ skipped: z.array(meterSkipSchema), skippedAt: z.string() }),
    /** One meter billed: written by runs before `MetersBilled`; still replayed. */
    MeterBilled: meterBillSchema.extend({ billedAt: z.string() }),
    /** One meter skipped: written by runs before `MetersSkipped`; still replayed. */
    MeterSkipped: meterSkipSchema.extend({ skippedAt: z.string() }),
    BillRunCompleted: z.object({
      billed: z.number().int().nonnegative(),
      missed: z.number().int().nonnegative(),
      skipped: z.number().int().nonnegative(),
      completedAt: z.string(),
    }),
  },
);

export type BillRunEvent = EventsOf<typeof billRunEvents>;

export type MeterRunStatus = 'pending' | 'answered' | 'billed' | 'missed' | 'skipped';

export interface MeterProgress {
  propertyId: string;
  status: MeterRunStatus;
  asked: boolean;
  readingEventId: string | null;
  readingRevision: number | null;
  billId: string | null;
  skipReason: string | null;
}

export interface BillRunProgress {
  total: number;
  asked: number;
  answered: number;
  billed: number;
  missed: number;
  skipped: number;
}

export type BillRunState =
  | { status: 'none' }
  | {
      status: 'open' | 'completed';
      runId: string;
      period: string;
      deadline: string;
      /** Keyed by meter id, in the order the run listed them. */
      meters: Record<string, MeterProgress>;
      /** Counts over `meters`, kept as events apply (see billRunProgress). */
      progress: BillRunProgress;
      /** The last close claim; it binds others only until it expires. */
      closeLease: { closer: string; expiresAt: string } | null;
    };

export const initialState: BillRunState = { status: 'none' };

const emptyProgress = (): BillRunProgress => ({
  total: 0,
  asked: 0,
  answered: 0,
  billed: 0,
  missed: 0,
  skipped: 0,
});

const newMeter = (propertyId: string): MeterProgress => ({
  propertyId,
  status: 'pending',
  asked: false,
  readingEventId: null,
  readingRevision: null,
  billId: null,
  skipReason: null,
});

type Open = Exclude<BillRunState, { status: 'none' }>;

/** Meter entries as they were before a tentative change (undefined: not listed then). */
type Journal = Map<string, MeterProgress | undefined>;

function listMeters(state: Open, meters: RunMeter[], journal?: Journal): void {
  for (const m of meters) {
    if (state.meters[m.meterId]) continue;
    if (journal && !journal.has(m.meterId)) journal.set(m.meterId, undefined);
    state.meters[m.meterId] = newMeter(m.propertyId);
    state.progress.total++;
  }
}

/** Replaces a meter's entry and keeps the counts. */
function updateMeter(
  state: Open,
  meterId: string,
  change: Partial<MeterProgress>,
  journal?: Journal,
): void {
  const current = state.meters[meterId];
  if (!current) return;
  if (journal && !journal.has(meterId)) journal.set(meterId, current);
  const next = { ...current, ...change };
  const p = state.progress;
  // The counts move by what changed (no arrays per update: a 20,000-meter run updates 60,000 times).
  if (next.asked !== current.asked) p.asked += next.asked ? 1 : -1;
  const wasAnswered = current.readingEventId !== null;
  if ((next.readingEventId !== null) !== wasAnswered) p.answered += wasAnswered ? -1 : 1;
  if (next.status !== current.status) {
    countStatus(p, current.status, -1);
    countStatus(p, next.status, 1);
  }
  state.meters[meterId] = next;
}

function countStatus(p: BillRunProgress, status: MeterRunStatus, sign: 1 | -1): void {
  if (status === 'billed') p.billed += sign;
  else if (status === 'missed') p.missed += sign;
  else if (status === 'skipped') p.skipped += sign;
}

const answerMeter = (
  state: Open,
  { meterId, readingEventId, readingRevision }: MeterAnswer,
  journal?: Journal,
) => updateMeter(state, meterId, { status: 'answered', readingEventId, readingRevision }, journal);
const billMeter = (state: Open, { meterId, billId }: MeterBill, journal?: Journal) =>
  updateMeter(state, meterId, { status: 'billed', billId }, journal);
const skipMeter = (state: Open, { meterId, reason }: MeterSkip, journal?: Journal) =>
  updateMeter(state, meterId, { status: 'skipped', skipReason: reason }, journal);

/**
 * Applies one event to a state this caller owns: an open run is updated in
 * place (meter entries are replaced, never edited, so a shallow copy of the
 * table made with `cloneBillRun` is a true snapshot). Returns the new state.
 */
export function applyBillRunEvent(
  state: BillRunState,
  event: BillRunEvent,
  journal?: Journal,
): BillRunState {
  if (event.type === 'BillRunStarted') {
    if (state.status !== 'none') return state;
    const { runId, period, deadline, meters } = event.data;
    const started: Open = {
      status: 'open',
      runId,
      period,
      deadline,
      meters: {},
      progress: emptyProgress(),
      closeLease: null,
    };
    listMeters(started, meters);
    return started;
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'BillRunMetersListed':
      listMeters(state, event.data.meters, journal);
      return state;
    case 'MeterReadsRequested':
      for (const meterId of event.data.meterIds)
        updateMeter(state, meterId, { asked: true }, journal);
      return state;
    case 'MetersAnswered':
      for (const answer of event.data.answers) answerMeter(state, answer, journal);
      return state;
    case 'MeterReadRequested':
      updateMeter(state, event.data.meterId, { asked: true }, journal);
      return state;
    case 'MeterAnswered':
      answerMeter(state, event.data, journal);
      return state;
    case 'MeterReadingMissed':
      updateMeter(state, event.data.meterId, { status: 'missed' }, journal);
      return state;
    case 'BillRunCloseClaimed':
      state.closeLease = { closer: event.data.closer, expiresAt: event.data.expiresAt };
      return state;
    case 'MetersBilled':
      for (const bill of event.data.bills) billMeter(state, bill, journal);
      return state;
    case 'MetersSkipped':
      for (const skip of event.data.skipped) skipMeter(state, skip, journal);
      return state;
    case 'MeterBilled':
      billMeter(state, event.data, journal);
      return state;
    case 'MeterSkipped':
      skipMeter(state, event.data, journal);
      return state;
    case 'BillRunCompleted':
      state.status = 'completed';
      return state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/**
 * Changes to a state made in place that can be taken back: a decision of
 * several steps runs on the run's own state (each step sees the ones before
 * it) and `rollback` restores it, touching only the meters the steps changed
 * (a copy of a 20,000-meter table per decision cost a gateway 1.3 s of CPU
 * in a 19 s bill run). Apply, decide and roll back in one synchronous
 * stretch: nothing else may see or change the state meanwhile.
 */
export interface Tentative {
  /** The state with the events applied so far (the base itself, unless the run started here). */
  readonly state: BillRunState;
  apply(event: BillRunEvent): void;
  /** Puts the base back as it was (events applied to a run started here leave the base alone). */
  rollback(): void;
}

export function tentative(base: BillRunState): Tentative {
  const journal: Journal = new Map();
  const saved =
    base.status === 'none'
      ? null
      : { status: base.status, closeLease: base.closeLease, progress: { ...base.progress } };
  let state = base;
  return {
    get state() {
      return state;
    },
    apply(event) {
      state = applyBillRunEvent(state, event, state === base ? journal : undefined);
    },
    rollback() {
      if (base.status === 'none' || saved === null) return;
      for (const [meterId, before] of journal)
        if (before) base.meters[meterId] = before;
        else delete base.meters[meterId];
      base.status = saved.status;
      base.closeLease = saved.closeLease;
      Object.assign(base.progress, saved.progress);
      journal.clear();
    },
  };
}

/** A copy that later in-place updates of either side do not reach. */
export function cloneBillRun(state: BillRunState): BillRunState {
  if (state.status === 'none') return state;
  return { ...state, meters: { ...state.meters }, progress: { ...state.progress } };
}

/** Pure single step (copies the meter table: use `foldBillRun` for a whole stream). */
export function evolve(state: BillRunState, event: BillRunEvent): BillRunState {
  return applyBillRunEvent(cloneBillRun(state), event);
}

/** Folds a whole run stream in linear time. */
export function foldBillRun(events: readonly unknown[]): BillRunState {
  let state: BillRunState = initialState;
  for (const event of events) state = applyBillRunEvent(state, event as BillRunEvent);
  return state;
}

/**
 * Whether some meter of the run has neither answered nor ended. The counts
 * rule most states out at once; the scan runs only when they say every meter
 * may be done (a meter answered and later skipped counts twice in them).
 */
export function hasPendingMeters(state: BillRunState): boolean {
  if (state.status === 'none') return false;
  const { total, answered, missed, skipped } = state.progress;
  if (answered + missed + skipped < total) return true;
  for (const meterId in state.meters) if (state.meters[meterId]!.status === 'pending') return true;
  return false;
}

/** Live counts for the dashboard; `answered` includes meters billed since. */
export function billRunProgress(state: BillRunState): BillRunProgress {
  return state.status === 'none' ? emptyProgress() : { ...state.progress };
}

export const billRunStream = (runId: string): string => streamName('billrun', runId);
