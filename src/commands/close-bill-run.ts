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
// event, decided by the run decider (bill-run-meters.ts, record-on-run.ts).
// A closer may take a lease on the close (`CloseOptions.lease`), so another
// gateway leaves the work to it while it lasts. Gateways bill the answers
// they record as they go (pipelined billing, with this close's ids), so the
// close usually finds only misses and leftovers. Every sub-command's
// id derives from the close's command id, and the outcome events' ids from
// their meters (run-fact-ids.ts), so a retried close, or two closes of the
// same run at once, settle where one close would have: each meter billed
// once, nothing skipped for the race.

import {
  billRunProgress,
  type BillRunCommand,
  type BillRunProgress,
  type ClaimBillRunClose,
} from '../domain/billrun/index.ts';
import { meterBillingDecider, meterBillingStream } from '../domain/billing/meterbilling/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import { onMeterBilling, PeriodTariffs } from './bill-meter.ts';
import {
  answeredMeters,
  billAndRecord,
  byMeterId,
  closeBillingMetadata,
  stillAnswered,
  type RunCursor,
} from './bill-run-meters.ts';
import { loadRunAt, sub, type BillingDeps, type MissInput } from './billing-shared.ts';
import { foldStream } from './handle-command.ts';
import { mapLimit } from './map-limit.ts';
import { catchUp, recordOnRun, type RunAt } from './record-on-run.ts';
import { requireRole } from './tariffs.ts';

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
  /** Meters billed one by one (e.g. a gateway billed their chunk meanwhile: bill-run-meters.ts). */
  oneMeterPath: number;
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
   * reading the whole run stream. The close moves it forward in place, as a
   * follower would (record-on-run.ts `foldIn`), and changes it no other way;
   * if it is behind, the first append conflicts and the close catches up.
   */
  knownRun?: RunAt;
  /**
   * Resolves once the caller's own billing of the run's answers has settled
   * (a gateway's pipelined billing): the close records the misses first, then
   * waits for it, and bills only what is left, instead of racing it.
   */
  ownBilling?: () => Promise<void>;
}

/** How long a close lease lasts unless renewed; a closer renews at half of it. */
export const DEFAULT_CLOSE_LEASE_MS = 30_000;

/** Missed meters whose rules are applied between two renewals of the lease. */
const MISS_ROUND = 1000;

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
  const at: RunAt = options.knownRun ?? (await loadRunAt(store, runId));
  const closed = await recordOnRun(store, runId, at, closing, { strict: true });
  const closedAt = closed.position;
  const run = at.state;
  if (run.status === 'none') throw new Error(`run ${runId} vanished`);
  const { period } = run;
  // The misses as the close left them (the run moves on while they are applied).
  const meters = Object.entries(run.meters);

  // Misses in rounds of MISS_ROUND, renewing the lease between rounds when due
  // (each miss is several commands: a long list outlasts a lease).
  const missedMeters = meters.filter(([, m]) => m.status === 'missed');
  const missed: MissOutcome[] = [];
  const refused: CloseResult['refused'] = [...closed.refused];
  for (let from = 0; from < missedMeters.length; from += MISS_ROUND) {
    const round = missedMeters.slice(from, from + MISS_ROUND);
    missed.push(
      ...(await mapLimit(round, concurrency, ([meterId, m]) =>
        applyMiss(deps, { meterId, propertyId: m.propertyId, runId, period }, metadata),
      )),
    );
    const renewal = lease?.renewalDue();
    if (renewal) {
      const renewed = await recordOnRun(store, runId, at, [renewal], { strict: false });
      refused.push(...renewed.refused);
    }
  }

  const tariffs = new PeriodTariffs(store, period);
  if (options.ownBilling) {
    await options.ownBilling();
    await catchUp(store, runId, at);
  }
  // Each chunk's outcomes go on the run as soon as it is billed (the
  // dashboard sees the close advance), with a renewal of the lease when due.
  const cursor: RunCursor = {
    run: at,
    alongside: () => {
      const renewal = lease?.renewalDue();
      return renewal ? [renewal] : [];
    },
    // Other gateways may be billing these answers (pipelined billing): as each
    // chunk starts, leave out what the run shows billed since.
    due: async (chunk) => {
      await catchUp(store, runId, at);
      return stillAnswered(at.state, chunk);
    },
  };
  const billing = await billAndRecord(
    deps,
    tariffs,
    runId,
    // The other way from the gateways' own billing (byMeterId): they meet once.
    answeredMeters(at.state).sort((a, b) => byMeterId(b, a)),
    closeBillingMetadata(metadata),
    cursor,
    concurrency,
  );
  refused.push(...billing.refused);
  return {
    position: closedAt,
    missed,
    progress: billRunProgress(at.state),
    refused,
    oneMeterPath: billing.oneMeterPath,
  };
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
