// Closing a bill run at its deadline: record every unanswered meter as
// missed, apply the miss rules, bill every answered meter not billed yet, and
// record the outcomes on the run, which completes with its last meter.
//
// Built for runs of tens of thousands of meters: the run stream is read once
// (and once more per write conflict), the tariff once per property kind,
// meters are billed concurrently (each meter's own streams: bill, receivable,
// billing history), and the run's `MeterBilled`/`MeterSkipped` facts are
// appended in batches at the run's revision, decided by the run decider.
// Every sub-command's id derives from the close's command id, so a retried
// close, or two gateways closing the same run at once, settle where one
// close would have: each meter billed once, nothing skipped for the race.

import {
  billRunStream,
  billRunProgress,
  billRunReplay,
  cloneBillRun,
  type BillRunCommand,
  type BillRunProgress,
  type BillRunState,
} from '../domain/billrun/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import { isWrongExpectedRevision, EventStoreError } from '../eventstore/errors.ts';
import type { EventStore, NewEvent } from '../eventstore/port.ts';
import { meterBilled, onMeterBilling, PeriodTariffs, skipMeter } from './bill-meter.ts';
import { billAnsweredMeters } from './bill-batch.ts';
import { mapLimit } from './map-limit.ts';
import { loadRunAt, onRun, sub, type BillingDeps, type MissInput } from './billing-shared.ts';
import { eventIdFor, foldStream } from './handle-command.ts';
import { requireRole } from './tariffs.ts';
import { meterBillingDecider, meterBillingStream } from '../domain/billing/meterbilling/index.ts';

export interface MissOutcome extends MissInput {
  /** 'none' when the rule could not apply (e.g. the property was deactivated); `note` says why. */
  action: 'flagged' | 'disabled' | 'none';
  note: string | null;
}

export interface CloseResult {
  position: string | null;
  /** Meters recorded missed in this run and what followed for each. */
  missed: MissOutcome[];
  progress: BillRunProgress;
  /** Outcomes the run refused to record (e.g. it shows the meter ended otherwise), with why. */
  refused: { meterId: string; reason: string }[];
}

export interface CloseOptions {
  /** Meters billed (or their misses applied) at once; default 24. */
  concurrency?: number;
}

/** Run facts per append: a batch stays well below the store's limits. */
const RUN_BATCH = 1000;
const MAX_ATTEMPTS = 8;

const isSystemActor = (actor: string): boolean => actor.startsWith('system:');

/**
 * At or after the deadline: records every unanswered meter as missed, applies
 * the miss rules (1st consecutive miss flags the property, 2nd disables meter
 * and property), and bills answered meters not billed yet, so the run completes.
 * Admins, superusers or the scheduler (a `system:` actor) may close a run.
 */
export async function closeBillRun(
  deps: BillingDeps,
  input: { runId: string },
  metadata: CommandMetadata,
  options: CloseOptions = {},
): Promise<CloseResult> {
  const { store } = deps;
  const { runId } = input;
  const concurrency = options.concurrency ?? 24;
  if (!isSystemActor(metadata.actor))
    await requireRole(store, metadata.actor, ['superuser', 'admin']);
  const closed = await onRun(store, runId, { type: 'CloseBillRun', data: {}, metadata });
  const loaded = await loadRunAt(store, runId);
  const run = loaded.state;
  if (run.status === 'none') throw new Error(`run ${runId} vanished`);
  const { period } = run;
  const meters = Object.entries(run.meters);

  const missed = await mapLimit(
    meters.filter(([, m]) => m.status === 'missed'),
    concurrency,
    ([meterId, m]) =>
      applyMiss(deps, { meterId, propertyId: m.propertyId, runId, period }, metadata),
  );

  const tariffs = new PeriodTariffs(store, period);
  const closeMeta = sub(metadata, 'close');
  const answered = meters.flatMap(([meterId, m]) =>
    m.status === 'answered'
      ? [
          {
            ...{ runId, meterId, propertyId: m.propertyId, period },
            readingEventId: m.readingEventId!,
            readingRevision: m.readingRevision!,
          },
        ]
      : [],
  );
  const bills = await billAnsweredMeters(deps, tariffs, answered, closeMeta, concurrency);
  const outcomes = answered.map(({ meterId }, i): BillRunCommand => {
    const bill = bills[i]!;
    return typeof bill === 'string'
      ? skipMeter(meterId, bill, closeMeta)
      : meterBilled(meterId, bill.billId, closeMeta);
  });
  const recorded = await recordOnRun(store, runId, loaded, outcomes);
  return {
    position: closed.position,
    missed,
    progress: billRunProgress(recorded.state),
    refused: recorded.refused,
  };
}

/** Records one meter's miss in its history and applies the rule for its count of misses in a row. */
async function applyMiss(
  deps: BillingDeps,
  at: Omit<MissInput, 'consecutiveMisses'>,
  metadata: CommandMetadata,
): Promise<MissOutcome> {
  const { store, ports } = deps;
  const { meterId, propertyId, runId, period } = at;
  let consecutiveMisses = 0;
  try {
    await onMeterBilling(store, meterId, {
      type: 'RecordPeriodMissed',
      data: { period, propertyId, runId },
      metadata: sub(metadata, `missed/${meterId}`),
    });
    const history = await foldStream(store, meterBillingStream(meterId), meterBillingDecider);
    // A close retried long after: the count now belongs to a later period.
    if (history.lastPeriod !== period || history.lastOutcome !== 'missed')
      return {
        ...at,
        consecutiveMisses,
        action: 'none',
        note: `history moved on to ${history.lastPeriod}`,
      };
    consecutiveMisses = history.consecutiveMisses;
    const miss = { ...at, consecutiveMisses };
    if (consecutiveMisses >= 2) {
      await ports.disableMeterAndProperty(miss, sub(metadata, `disable/${meterId}`));
      return { ...miss, action: 'disabled', note: null };
    }
    await ports.flagProperty(miss, sub(metadata, `flag/${meterId}`));
    return { ...miss, action: 'flagged', note: null };
  } catch (error) {
    // e.g. the owner deactivated the property meanwhile: nothing left to flag.
    if (!(error instanceof DomainError)) throw error;
    return { ...at, consecutiveMisses, action: 'none', note: `${error.code}: ${error.message}` };
  }
}

const isConflict = (error: unknown): boolean =>
  isWrongExpectedRevision(error) ||
  (error instanceof EventStoreError && error.code === 'IDEMPOTENCY_CONFLICT');

/**
 * Decides `commands` against the run and appends the events in batches at
 * the run's revision; a conflict (another close writing) re-reads the run and
 * decides again, and the decider turns what is already recorded into no-ops.
 * Event ids derive from each command's id as `handleCommand` derives them.
 */
async function recordOnRun(
  store: EventStore,
  runId: string,
  loaded: { state: BillRunState; revision: number },
  commands: BillRunCommand[],
): Promise<{ state: BillRunState; refused: { meterId: string; reason: string }[] }> {
  let { state, revision } = loaded;
  const refused: { meterId: string; reason: string }[] = [];
  for (let from = 0; from < commands.length; from += RUN_BATCH) {
    const batch = commands.slice(from, from + RUN_BATCH);
    for (let attempt = 1; ; attempt++) {
      const draft = cloneBillRun(state);
      const decided = decideBatch(draft, batch);
      if (decided.events.length === 0) {
        refused.push(...decided.refused);
        break;
      }
      try {
        const result = await store.append(billRunStream(runId), decided.events, {
          expectedRevision: revision === -1 ? 'no_stream' : revision,
        });
        [state, revision] = [decided.state, result.nextRevision];
        refused.push(...decided.refused);
        break;
      } catch (error) {
        if (!isConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
        ({ state, revision } = await loadRunAt(store, runId));
      }
    }
  }
  return { state, refused };
}

function decideBatch(state: BillRunState, commands: BillRunCommand[]) {
  const events: NewEvent[] = [];
  const refused: { meterId: string; reason: string }[] = [];
  for (const command of commands) {
    const decided = billRunReplay.decide(command, state);
    if (decided instanceof Error) {
      const meterId = 'meterId' in command.data ? command.data.meterId : '';
      refused.push({ meterId, reason: `${decided.code}: ${decided.message}` });
      continue;
    }
    decided.forEach((event, index) => {
      state = billRunReplay.evolve(state, event);
      const { commandId, actor, now } = command.metadata;
      events.push({
        id: eventIdFor(commandId, index),
        type: event.type,
        data: event.data,
        metadata: { commandId, actor, at: now },
      });
    });
  }
  return { events, state, refused };
}
