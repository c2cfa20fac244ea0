// Bill run streams (`billrun-<runId>`): one run bills a set of meters for one
// period. Each meter moves pending → (asked) → answered → billed, or ends
// missed (no answer by the deadline) or skipped (with a reason); the run
// completes when every meter has ended. Dashboards derive progress from here.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';
import { periodPattern } from '../billing/events.ts';

const runMeterSchema = z.object({ meterId: z.string(), propertyId: z.string() });
export type RunMeter = z.infer<typeof runMeterSchema>;

export const billRunEvents = defineEvents(
  'billrun',
  'One bill run: a period, a deadline and the progress of every meter in it.',
  {
    BillRunStarted: z.object({
      runId: z.string(),
      period: z.string().regex(periodPattern),
      /** ISO instant after which unanswered meters are recorded as missed. */
      deadline: z.string(),
      meters: z.array(runMeterSchema),
      startedBy: z.string(),
      startedAt: z.string(),
    }),
    MeterReadRequested: z.object({ meterId: z.string(), requestedAt: z.string() }),
    MeterAnswered: z.object({
      meterId: z.string(),
      /** The signed `ReadingRecorded` event in the meter's stream. */
      readingEventId: z.string(),
      /** Its revision in the meter stream, so billing reads that one event, not the whole stream. */
      readingRevision: z.number().int().nonnegative(),
      answeredAt: z.string(),
    }),
    MeterReadingMissed: z.object({ meterId: z.string(), missedAt: z.string() }),
    MeterBilled: z.object({ meterId: z.string(), billId: z.string(), billedAt: z.string() }),
    MeterSkipped: z.object({ meterId: z.string(), reason: z.string(), skippedAt: z.string() }),
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

export type BillRunState =
  | { status: 'none' }
  | {
      status: 'open' | 'completed';
      runId: string;
      period: string;
      deadline: string;
      /** Keyed by meter id, in the order the run listed them. */
      meters: Record<string, MeterProgress>;
    };

export const initialState: BillRunState = { status: 'none' };

function updateMeter(
  state: BillRunState,
  meterId: string,
  change: Partial<MeterProgress>,
): BillRunState {
  if (state.status === 'none') return state;
  const current = state.meters[meterId];
  if (!current) return state;
  return { ...state, meters: { ...state.meters, [meterId]: { ...current, ...change } } };
}

export function evolve(state: BillRunState, event: BillRunEvent): BillRunState {
  switch (event.type) {
    case 'BillRunStarted': {
      const { runId, period, deadline, meters } = event.data;
      const progress: Record<string, MeterProgress> = {};
      for (const m of meters)
        progress[m.meterId] = {
          propertyId: m.propertyId,
          status: 'pending',
          asked: false,
          readingEventId: null,
          readingRevision: null,
          billId: null,
          skipReason: null,
        };
      return { status: 'open', runId, period, deadline, meters: progress };
    }
    case 'MeterReadRequested':
      return updateMeter(state, event.data.meterId, { asked: true });
    case 'MeterAnswered':
      return updateMeter(state, event.data.meterId, {
        status: 'answered',
        readingEventId: event.data.readingEventId,
        readingRevision: event.data.readingRevision,
      });
    case 'MeterReadingMissed':
      return updateMeter(state, event.data.meterId, { status: 'missed' });
    case 'MeterBilled':
      return updateMeter(state, event.data.meterId, {
        status: 'billed',
        billId: event.data.billId,
      });
    case 'MeterSkipped':
      return updateMeter(state, event.data.meterId, {
        status: 'skipped',
        skipReason: event.data.reason,
      });
    case 'BillRunCompleted':
      return state.status === 'none' ? state : { ...state, status: 'completed' };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export interface BillRunProgress {
  total: number;
  asked: number;
  answered: number;
  billed: number;
  missed: number;
  skipped: number;
}

/** Live counts for the dashboard; `answered` includes meters billed since. */
export function billRunProgress(state: BillRunState): BillRunProgress {
  const progress = { total: 0, asked: 0, answered: 0, billed: 0, missed: 0, skipped: 0 };
  if (state.status === 'none') return progress;
  for (const m of Object.values(state.meters)) {
    progress.total++;
    if (m.asked) progress.asked++;
    if (m.readingEventId !== null) progress.answered++;
    if (m.status === 'billed') progress.billed++;
    if (m.status === 'missed') progress.missed++;
    if (m.status === 'skipped') progress.skipped++;
  }
  return progress;
}

export const billRunStream = (runId: string): string => streamName('billrun', runId);
