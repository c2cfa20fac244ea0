// Closing a bill run at its deadline (or before it, once every meter has
// answered): record every unanswered meter as missed, apply the miss rules,
// bill every answered meter not billed yet, and record the outcomes on the
// run, which completes with its last meter.
//
// Built for runs of tens of thousands of meters: the run stream is read once
// (then only what it gained, per write conflict), the tariff once per
// property kind, meters are billed in chunks (bill-batch.ts: one multi-stream
// read and two group commits per chunk), and each chunk's outcomes are
// appended at the run's revision as one `MetersBilled` and one `MetersSkipped`
// event, decided by the run decider. A closer may take a lease on the close (`CloseOptions.lease`), so
// another gateway leaves the work to it while it lasts. Every sub-command's
// id derives from the close's command id, and the outcome events' ids from
// their meters (run-fact-ids.ts), so a retried close, or two closes of the
// same run at once, settle where one close would have: each meter billed
// once, nothing skipped for the race.

import {
  billRunStream,
  billRunProgress,
  billRunReplay,
  cloneBillRun,
  decideMeters,
  type BillRunCommand,
  type BillRunEvent,
  type BillRunProgress,
  type ClaimBillRunClose,
  type BillRunState,
  type MeterBatchCommand,
} from '../domain/billrun/index.ts';
import type { IssuedBill } from '../domain/billing/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import { isWrongExpectedRevision, EventStoreError } from '../eventstore/errors.ts';
import type { EventStore, NewEvent } from '../eventstore/port.ts';
import { onMeterBilling, PeriodTariffs } from './bill-meter.ts';
import { runFactEventId } from './run-fact-ids.ts';
import { billAnsweredMeters } from './bill-batch.ts';
import { mapLimit } from './map-limit.ts';
import { loadRunAt, sub, type BillingDeps, type MissInput } from './billing-shared.ts';
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
  /**
   * Take the close lease as this closer (e.g. the gateway id) before any
   * work, and renew it as outcomes are recorded: while it holds, another
   * closer's claim fails with CLOSE_LEASE_HELD instead of doubling the work.
   * The same closer may claim again at once (a retry, a restarted gateway).
   * Without it the close takes no lease (an admin's close), which is still
   * correct: every step is idempotent.
   */
  lease?: { closer: string; leaseMs?: number; clock?: () => number };
  /**
   * The run as the caller already follows it (a gateway's fan-out), to save
   * reading the whole run stream. It is copied, never changed; if
   * it is behind, the first append conflicts and the close catches up.
   */
  knownRun?: { state: BillRunState; revision: number };
}

/** How long a close lease lasts unless renewed; a closer renews at half of it. */
export const DEFAULT_CLOSE_LEASE_MS = 30_000;

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
  // The run is read once: the lease claim and the close (the misses) are
  // decided on it and appended together; a refusal (DEADLINE_NOT_REACHED,
  // CLOSE_LEASE_HELD, RUN_NOT_STARTED) is thrown before anything is written.
  const lease = options.lease && closeLease(runId, options.lease, metadata);
  const closing: BillRunCommand[] = [{ type: 'CloseBillRun', data: {}, metadata }];
  if (lease) closing.unshift(lease.claim());
  const known = options.knownRun;
  const start = known
    ? { state: cloneBillRun(known.state), revision: known.revision }
    : await loadRunAt(store, runId);
  let recorded = await recordOnRun(store, runId, start, closing, { strict: true });
  const closedAt = recorded.position;
  const run = recorded.state;
  if (run.status === 'none') throw new Error(`run ${runId} vanished`);
  const { period } = run;
  const meters = Object.entries(run.meters);

  // Misses in rounds of RUN_BATCH, renewing the lease between rounds when due
  // (each miss is several commands: a long list outlasts a lease).
  const missedMeters = meters.filter(([, m]) => m.status === 'missed');
  const missed: MissOutcome[] = [];
  for (let from = 0; from < missedMeters.length; from += RUN_BATCH) {
    const round = missedMeters.slice(from, from + RUN_BATCH);
    missed.push(
      ...(await mapLimit(round, concurrency, ([meterId, m]) =>
        applyMiss(deps, { meterId, propertyId: m.propertyId, runId, period }, metadata),
      )),
    );
    const renewal = lease?.renewalDue();
    if (renewal) recorded = await recordOnRun(store, runId, recorded, [renewal], { strict: false });
  }

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
  const refused: CloseResult['refused'] = [...recorded.refused];
  // Each chunk's outcomes go on the run as soon as it is billed (the
  // dashboard sees the close advance), with a renewal of the lease when due.
  await billAnsweredMeters(deps, tariffs, answered, closeMeta, {
    concurrency,
    onChunk: async (chunk, bills) => {
      const outcomes = chunkOutcomes(chunk, bills, closeMeta);
      const renewal = lease?.renewalDue();
      const commands = renewal ? [renewal, ...outcomes] : outcomes;
      recorded = await recordOnRun(store, runId, recorded, commands, { strict: false });
      refused.push(...recorded.refused);
    },
  });
  return {
    position: closedAt,
    missed,
    progress: billRunProgress(recorded.state),
    refused,
  };
}

/** A chunk's outcomes for the run: one command for its bills, one for its skips. */
function chunkOutcomes(
  chunk: { meterId: string }[],
  results: (IssuedBill | string)[],
  metadata: CommandMetadata,
): MeterBatchCommand[] {
  const bills: { meterId: string; billId: string }[] = [];
  const skipped: { meterId: string; reason: string }[] = [];
  chunk.forEach(({ meterId }, i) => {
    const result = results[i]!;
    if (typeof result === 'string') skipped.push({ meterId, reason: result });
    else bills.push({ meterId, billId: result.billId });
  });
  // Named by the chunk's first meter: the same on every close that bills this chunk.
  const step = (kind: string) => sub(metadata, `${kind}/${chunk[0]?.meterId ?? ''}`);
  const commands: MeterBatchCommand[] = [];
  if (bills.length > 0)
    commands.push({ type: 'RecordMetersBilled', data: { bills }, metadata: step('billed') });
  if (skipped.length > 0)
    commands.push({ type: 'SkipMeters', data: { skipped }, metadata: step('skipped') });
  return commands;
}

/** The close lease of one closer on one run: the claim, and renewals once half of it has passed. */
function closeLease(
  runId: string,
  options: NonNullable<CloseOptions['lease']>,
  metadata: CommandMetadata,
) {
  const { closer, leaseMs = DEFAULT_CLOSE_LEASE_MS, clock = Date.now } = options;
  let claimedAt = 0;
  const command = (now: number): ClaimBillRunClose => {
    claimedAt = now;
    return {
      type: 'ClaimBillRunClose',
      data: { closer, leaseMs },
      // An id per claim: a claim repeated later is a new claim, not a retry.
      metadata: {
        now: new Date(now).toISOString(),
        commandId: `${metadata.commandId}/lease/${runId}/${closer}/${now}`,
        actor: metadata.actor,
      },
    };
  };
  return {
    claim: () => command(clock()),
    /** A renewal once half the lease has passed, else null. */
    renewalDue(): ClaimBillRunClose | null {
      const now = clock();
      return now - claimedAt < leaseMs / 2 ? null : command(now);
    },
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

type Refused = { meterId: string; reason: string };

/**
 * Decides `commands` against the run and appends the events in batches at
 * the run's revision; a conflict (another close writing) reads what the run
 * gained and decides again, and the decider turns what is already recorded
 * into no-ops. Event ids derive from each command's id as `handleCommand`
 * derives them. `strict`: a refused command is thrown, nothing appended.
 * A refused renewal of the lease is dropped: another closer took over after
 * it expired, and both closes stay correct.
 */
async function recordOnRun(
  store: EventStore,
  runId: string,
  loaded: { state: BillRunState; revision: number },
  commands: BillRunCommand[],
  { strict }: { strict: boolean },
): Promise<{ state: BillRunState; revision: number; position: string | null; refused: Refused[] }> {
  let { state, revision } = loaded;
  let position: string | null = null;
  const refused: Refused[] = [];
  for (let from = 0; from < commands.length; from += RUN_BATCH) {
    const batch = commands.slice(from, from + RUN_BATCH);
    for (let attempt = 1; ; attempt++) {
      const decided = decideBatch(runId, cloneBillRun(state), batch);
      if (strict && decided.errors[0]) throw decided.errors[0];
      if (decided.events.length > 0) {
        try {
          const result = await store.append(billRunStream(runId), decided.events, {
            expectedRevision: revision === -1 ? 'no_stream' : revision,
          });
          [revision, position] = [result.nextRevision, result.position];
        } catch (error) {
          if (!isConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
          ({ state, revision } = await catchUp(store, runId, { state, revision }));
          continue;
        }
      }
      state = decided.state;
      refused.push(...decided.refused);
      break;
    }
  }
  return { state, revision, position, refused };
}

/** The run with the events appended since `at` (a copy: `at.state` stays as it was). */
async function catchUp(
  store: EventStore,
  runId: string,
  at: { state: BillRunState; revision: number },
): Promise<{ state: BillRunState; revision: number }> {
  const more = await store.readStream(billRunStream(runId), { fromRevision: at.revision + 1 });
  if (more.length === 0) return at;
  let state = cloneBillRun(at.state);
  for (const event of more) state = billRunReplay.evolve(state, event as never);
  return { state, revision: more[more.length - 1]!.revision };
}

function decideBatch(runId: string, state: BillRunState, commands: BillRunCommand[]) {
  const events: NewEvent[] = [];
  const refused: Refused[] = [];
  const errors: DomainError[] = [];
  for (const command of commands) {
    const decided = decideOne(command, state);
    refused.push(...decided.refused);
    if (decided.error) {
      errors.push(decided.error);
      continue;
    }
    decided.events.forEach((event, index) => {
      state = billRunReplay.evolve(state, event);
      const { commandId, actor, now } = command.metadata;
      events.push({
        id: runFactEventId(runId, event) ?? eventIdFor(commandId, index),
        type: event.type,
        data: event.data,
        metadata: { commandId, actor, at: now },
      });
    });
  }
  return { events, state, refused, errors };
}

/**
 * One command's events, or its error. A batch of outcomes records the meters
 * it can and reports each one the run refuses (the others still count).
 */
function decideOne(
  command: BillRunCommand,
  state: BillRunState,
): { events: BillRunEvent[]; refused: Refused[]; error?: DomainError } {
  if (command.type === 'RecordMetersBilled' || command.type === 'SkipMeters') {
    const decided = decideMeters(command, state);
    const refused = decided.refused.map(({ meterId, error }) => ({
      meterId,
      reason: `${error.code}: ${error.message}`,
    }));
    return { events: decided.events, refused };
  }
  const decided = billRunReplay.decide(command, state);
  if (!(decided instanceof Error)) return { events: decided, refused: [] };
  const refused =
    'meterId' in command.data
      ? [{ meterId: command.data.meterId, reason: `${decided.code}: ${decided.message}` }]
      : [];
  return { events: [], refused, error: decided };
}
