// Pipelined billing on one gateway: the answers this gateway's run writer
// has recorded on a run are billed at once, long before the run's deadline
// or close, and their outcomes recorded on the run (MetersBilled,
// MetersSkipped), so the close finds only misses and leftovers. Billing uses
// the gateways' close's sub-command ids (bill-run-meters.ts), so a close or
// another gateway billing the same meter meanwhile settles on the same bill
// and charge. A run's answers queue while a round of its billing is under
// way and go together in the next round: rounds grow with the answer rate
// (bill-batch.ts bills up to 1,000 meters per round trip). What a failed
// round leaves answered the close bills.

import {
  billAndRecord,
  byMeterId,
  gatewayBillingMetadata,
  stillAnswered,
} from '../../commands/bill-run-meters.ts';
import { PeriodTariffs, type AnsweredMeter } from '../../commands/bill-meter.ts';
import type { BillingDeps } from '../../commands/billing-shared.ts';
import { catchUp } from '../../commands/record-on-run.ts';
import type { MeterAnswer } from '../../domain/billrun/index.ts';
import type { TrackedRun } from './run-writer.ts';

/** Meters billed at once in a round (bill-meter.ts concurrency for the one-meter path). */
const CONCURRENCY = 24;

interface Billing {
  queue: AnsweredMeter[];
  /** A round is under way; its end starts the next if answers queued meanwhile. */
  busy: boolean;
  /** The run's tariffs, looked up once for all its rounds. */
  tariffs: PeriodTariffs;
  /** Waiting for the run's billing to settle (`drain`). */
  idle: (() => void)[];
}

/** What this gateway's pipelined billing has done so far (for benchmarks and metrics). */
export interface PipelinedBillingStats {
  /** Rounds started. */
  rounds: number;
  /** Meters of the chunks recorded so far: billed (or found billed by a close) and skipped. */
  billed: number;
  skipped: number;
  /** Meters that took the one-meter path (e.g. a close billed their chunk meanwhile). */
  oneMeterPath: number;
}

export class RunBiller {
  private readonly runs = new Map<TrackedRun, Billing>();
  readonly stats: PipelinedBillingStats = { rounds: 0, billed: 0, skipped: 0, oneMeterPath: 0 };

  constructor(
    private readonly billing: BillingDeps,
    private readonly onError: (error: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** This gateway recorded these answers on the run: bill them. */
  submit(run: TrackedRun, answers: MeterAnswer[]): void {
    const { state } = run;
    if (state.status === 'none' || answers.length === 0) return;
    let billing = this.runs.get(run);
    if (!billing) {
      const tariffs = new PeriodTariffs(this.billing.store, state.period);
      billing = { queue: [], busy: false, tariffs, idle: [] };
      this.runs.set(run, billing);
    }
    const { runId, period } = state;
    for (const { meterId, readingEventId, readingRevision } of answers) {
      const propertyId = state.meters[meterId]?.propertyId;
      if (propertyId === undefined) continue;
      billing.queue.push({ runId, meterId, propertyId, period, readingEventId, readingRevision });
    }
    if (!billing.busy) this.nextRound(run, billing);
  }

  /** Resolves once this gateway has no billing of the run queued or under way. */
  async drain(run: TrackedRun): Promise<void> {
    const billing = this.runs.get(run);
    if (!billing?.busy) return;
    await new Promise<void>((resolve) => billing.idle.push(resolve));
  }

  /** Resolves once no run has billing queued or under way here. */
  async drainAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((run) => this.drain(run)));
  }

  /** The run completed: nothing of it is left to bill. */
  forget(run: TrackedRun): void {
    const billing = this.runs.get(run);
    if (billing) billing.queue = [];
    if (!billing?.busy) this.runs.delete(run);
  }

  private nextRound(run: TrackedRun, billing: Billing): void {
    // Meters the run already shows ended (the close, another gateway) need
    // nothing more. In meter order: a close billing them meanwhile goes the
    // other way, so the two meet once instead of billing the same chunks.
    const meters = stillAnswered(run.state, billing.queue).sort(byMeterId);
    billing.queue = [];
    if (meters.length === 0) {
      billing.busy = false;
      if (run.state.status === 'completed') this.runs.delete(run);
      billing.idle.splice(0).forEach((resolve) => resolve());
      return;
    }
    billing.busy = true;
    void this.bill(run, billing.tariffs, meters)
      .catch(this.onError)
      .finally(() => this.nextRound(run, billing));
  }

  private async bill(run: TrackedRun, tariffs: PeriodTariffs, meters: AnsweredMeter[]) {
    const metadata = gatewayBillingMetadata(run.runId, new Date(this.clock()).toISOString());
    // A meter the run refuses to record ended otherwise meanwhile (e.g. the
    // close skipped it): the run's record stands, nothing to do here.
    this.stats.rounds++;
    const { oneMeterPath } = await billAndRecord(
      this.billing,
      tariffs,
      run.runId,
      meters,
      metadata,
      {
        // The run this gateway follows: outcomes are folded into it as they are recorded.
        run,
        recorded: (chunk) => {
          this.stats.billed += chunk.billed;
          this.stats.skipped += chunk.skipped;
        },
        // As each chunk starts: what a close (billing the other way) has billed
        // meanwhile, read from the store rather than waiting for this gateway's
        // follower, so the two meet with as little billing twice as may be.
        due: async (chunk) => {
          await catchUp(this.billing.store, run.runId, run);
          return stillAnswered(run.state, chunk);
        },
      },
      CONCURRENCY,
    );
    this.stats.oneMeterPath += oneMeterPath;
  }
}
