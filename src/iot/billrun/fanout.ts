// Bill-run fan-out on one gateway: follows bill-run streams (the open runs
// found at start, then every run started later, through a subscription from
// the log's head), sends `read` to this gateway's connected meters of a run
// and to meters of it that connect before its deadline (each meter once per
// run per gateway), records the answers the sink stored, bills the answers
// it recorded as soon as they are on the run (run-biller.ts), and closes the
// run through the billing service (misses, miss rules, billing what is left)
// at the deadline, or as soon as every meter has answered. Gateways sharing a run write
// through the decider, so repeats are no-ops; the close goes to the gateway
// that claims its lease first, and the others step in only if that lease
// runs out (its holder died).

import { v5 as uuidv5 } from 'uuid';
import { gatewayCloseCommandId } from '../../commands/bill-run-meters.ts';
import { BILLING_ACTOR, closeBillRun, type BillingDeps } from '../../commands/billing.ts';
import { DEFAULT_CLOSE_LEASE_MS } from '../../commands/close-bill-run.ts';
import {
  applyBillRunEvent,
  billRunStream,
  hasPendingMeters,
  type BillRunEvent,
} from '../../domain/billrun/index.ts';
import { DomainError } from '../../domain/shared/decider.ts';
import type { EventStore, RecordedEvent, Subscription } from '../../eventstore/port.ts';
import type { GatewayServer } from '../gateway/server.ts';
import type { StoredReading } from '../ingest/store-sink.ts';
import { findOpenRuns } from './open-runs.ts';
import { RunBiller, type PipelinedBillingStats } from './run-biller.ts';
import { foldRun, RunWriter, type RunWriterStats, type TrackedRun } from './run-writer.ts';

// Namespace of request ids: uuid v5 of the run id, the same on every gateway
// and after a restart, so an answer resent to a new gateway still maps to its run.
const REQUEST_NAMESPACE = '5b0e2f8c-7d13-4e9a-a6c4-8f2b1d3e6a70';
export const requestIdFor = (runId: string): string => uuidv5(runId, REQUEST_NAMESPACE);

const RUN_PREFIX = billRunStream('');
const MAX_TIMER_MS = 2 ** 31 - 1;
const CLOSE_RETRY_MS = 5000;
const DEADLINE_MARGIN_MS = 20;
/** Past a lease's expiry before trying to take it over. */
const LEASE_MARGIN_MS = 100;

export interface BillRunFanOutOptions {
  store: EventStore;
  billing: BillingDeps;
  gatewayId: string;
  gateway: Pick<GatewayServer, 'connectedMeters' | 'sendReadRequest'>;
  clock?: () => number;
  /** How often newly connected meters are looked for (ms). */
  connectPollMs?: number;
  /**
   * Each gateway waits a random 0..closeJitterMs (default 500 ms) past the
   * deadline (or the last answer), so that the others usually see the first
   * one's lease before trying to claim it.
   */
  closeJitterMs?: number;
  /** How long this gateway's claim on a close lasts unless renewed (default 30 s). */
  closeLeaseMs?: number;
  /** Open runs at start; defaults to scanning the log for runs started and not completed. */
  openRuns?: () => Promise<string[]>;
  onError?: (error: unknown) => void;
}

interface Followed extends TrackedRun {
  requestId: string;
  /** Meters this gateway sent `read` for. */
  asked: Set<string>;
  timer?: NodeJS.Timeout;
  /** The close was brought forward because every meter has answered. */
  closingEarly?: boolean;
  /** This gateway's close of the run is under way. */
  closing?: boolean;
}

export class BillRunFanOut {
  private readonly runs = new Map<string, Followed>();
  private readonly byRequest = new Map<string, Followed>();
  private readonly runsOfMeter = new Map<string, Set<Followed>>();
  private readonly writer: RunWriter;
  private readonly biller: RunBiller;
  private readonly clock: () => number;
  private readonly onError: (error: unknown) => void;
  private connected = new Set<string>();
  private subscription: Subscription | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly closing = new Set<Promise<void>>();
  private stopped = false;
  /** Meters this gateway's closes billed one by one (for benchmarks). */
  private closeOneMeterPath = 0;

  constructor(private readonly opts: BillRunFanOutOptions) {
    this.clock = opts.clock ?? Date.now;
    this.onError = opts.onError ?? (() => {});
    this.biller = new RunBiller(opts.billing, this.onError, this.clock);
    // The answers this gateway records are billed at once (pipelined billing).
    this.writer = new RunWriter(opts.store, this.onError, {
      onAnswersRecorded: (run, answers) => this.biller.submit(run, answers),
    });
  }

  async start(): Promise<void> {
    const { store } = this.opts;
    const head = await store.headPosition();
    const open = await (this.opts.openRuns ?? (() => findOpenRuns(store, head)))();
    for (const runId of open)
      this.track(foldRun(runId, await store.readStream(billRunStream(runId))));
    this.subscription = store.subscribe({
      ...(head === null ? {} : { after: head }),
      batchSize: 2000,
      // Only the runs' streams: the store leaves out readings, bills and charges.
      streamPrefixes: [RUN_PREFIX],
      handler: (events) => this.onEvents(events),
      onError: this.onError,
    });
    this.poll = setInterval(() => this.lookForNewMeters(), this.opts.connectPollMs ?? 100);
    this.lookForNewMeters();
  }

  /** The run a `read` request id belongs to (for the sink), or null. */
  runIdFor = (requestId: string): string | null => this.byRequest.get(requestId)?.runId ?? null;

  /** The sink stored a reading that answers a request: record it on the run. */
  onAnswer = (stored: StoredReading): void => {
    const run = stored.runId === null ? undefined : this.runs.get(stored.runId);
    if (!run) return;
    const { meterId, eventId, revision } = stored;
    this.writer.submit(run, {
      type: 'RecordMeterAnswer',
      data: { meterId, readingEventId: eventId, readingRevision: revision },
      metadata: this.metadata(`answer/${run.runId}/${meterId}`),
    });
  };

  /** What this gateway's pipelined billing, and its writer of asks and answers, have done so far. */
  billingStats(): PipelinedBillingStats & { runWrites: RunWriterStats; closeOneMeterPath: number } {
    const { closeOneMeterPath } = this;
    return { ...this.biller.stats, runWrites: { ...this.writer.stats }, closeOneMeterPath };
  }

  /** Runs this gateway follows that are not completed. */
  openRunIds(): string[] {
    return [...this.runs.keys()];
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.subscription?.stop();
    for (const run of this.runs.values()) clearTimeout(run.timer);
    await this.writer.drain();
    await this.biller.drainAll();
    await Promise.all(this.closing);
  }

  private metadata(step: string) {
    const now = new Date(this.clock()).toISOString();
    return { now, commandId: `${this.opts.gatewayId}/${step}`, actor: BILLING_ACTOR };
  }

  private async onEvents(events: RecordedEvent[]): Promise<void> {
    for (const e of events) {
      if (!e.stream.startsWith(RUN_PREFIX)) continue;
      const runId = e.stream.slice(RUN_PREFIX.length);
      const run = this.runs.get(runId);
      if (!run) {
        if (e.type === 'BillRunStarted') this.track(foldRun(runId, [e]));
        continue;
      }
      // An event at or below the run's revision was folded in already by this
      // gateway's writer, biller or close (they move the run forward in place).
      if (e.revision === run.revision + 1) {
        // Folded in place (writers decide on it tentatively and fold in what they append).
        const event = e as unknown as BillRunEvent;
        run.state = applyBillRunEvent(run.state, event);
        run.revision = e.revision;
        // A large run lists its meters over several events: follow the later
        // ones too (only the event's own meters: a 20,000-meter run is listed in 20).
        if (event.type === 'BillRunMetersListed')
          this.followMeters(
            run,
            event.data.meters.map((m) => m.meterId),
          );
      } else if (e.revision > run.revision + 1) {
        // A gap: the writer and the log disagree; read the run again.
        Object.assign(run, foldRun(runId, await this.opts.store.readStream(e.stream)));
        this.followMeters(run);
      }
      if (run.state.status === 'completed') this.untrack(run);
      else this.closeWhenAllAnswered(run);
    }
  }

  /** No meter left to wait for: close now instead of at the deadline. */
  private closeWhenAllAnswered(run: Followed): void {
    if (run.closingEarly || run.closing || run.state.status !== 'open') return;
    // Past the deadline the close is due anyway (its misses end the pending meters).
    if (this.clock() >= Date.parse(run.state.deadline) || hasPendingMeters(run.state)) return;
    run.closingEarly = true;
    clearTimeout(run.timer);
    this.scheduleClose(run, this.clock());
  }

  private track(tracked: TrackedRun): void {
    if (tracked.state.status !== 'open' || this.runs.has(tracked.runId)) return;
    const run: Followed = { ...tracked, requestId: requestIdFor(tracked.runId), asked: new Set() };
    // Not polled while no run is followed (lookForNewMeters): who is connected now.
    if (this.runs.size === 0) this.connected = new Set(this.opts.gateway.connectedMeters());
    this.runs.set(run.runId, run);
    this.byRequest.set(run.requestId, run);
    this.followMeters(run);
    this.scheduleClose(run);
    this.closeWhenAllAnswered(run);
  }

  /**
   * Maps each meter of the run (or of `meterIds`) to it and asks the connected
   * ones not asked yet, in one pass: sending them in 50 ms slices between
   * turns of the loop made bench:billrun 2.2-2.4 s slower and cost Postgres
   * 1.6-1.8 s more CPU (answers came back as a trickle, in smaller commits).
   */
  private followMeters(run: Followed, meterIds?: string[]): void {
    if (run.state.status !== 'open') return;
    for (const meterId of meterIds ?? Object.keys(run.state.meters)) {
      const runs = this.runsOfMeter.get(meterId) ?? new Set();
      if (runs.has(run)) continue;
      runs.add(run);
      this.runsOfMeter.set(meterId, runs);
      if (this.connected.has(meterId)) this.ask(run, meterId);
    }
  }

  private untrack(run: Followed): void {
    clearTimeout(run.timer);
    this.biller.forget(run);
    this.runs.delete(run.runId);
    this.byRequest.delete(run.requestId);
    if (run.state.status === 'none') return;
    for (const meterId of Object.keys(run.state.meters)) this.runsOfMeter.get(meterId)?.delete(run);
  }

  private lookForNewMeters(): void {
    // Nothing to ask between runs: a set of every connected meter ten times a
    // second cost a gateway of 10,000 meters 357 ms of CPU in a 19 s profile;
    // `track` looks again when a run starts.
    if (this.runs.size === 0) return;
    // Usually no one came or went: the same meters as last time, no new set.
    const connected = this.opts.gateway.connectedMeters();
    const same =
      connected.length === this.connected.size && connected.every((m) => this.connected.has(m));
    if (same) return;
    for (const meterId of connected) {
      if (this.connected.has(meterId)) continue;
      for (const run of this.runsOfMeter.get(meterId) ?? []) this.ask(run, meterId);
    }
    this.connected = new Set(connected);
  }

  /** Sends `read` unless the meter was asked, has ended, or the run has passed its deadline. */
  private ask(run: Followed, meterId: string): void {
    const { state } = run;
    if (state.status !== 'open' || run.asked.has(meterId)) return;
    if (state.meters[meterId]?.status !== 'pending') return;
    if (this.clock() >= Date.parse(state.deadline)) return;
    if (!this.opts.gateway.sendReadRequest(meterId, run.requestId, run.runId)) return;
    run.asked.add(meterId);
    this.writer.submit(run, {
      type: 'RequestMeterRead',
      data: { meterId },
      metadata: this.metadata(`ask/${run.runId}/${meterId}`),
    });
  }

  /** Closes the run a random 0..closeJitterMs after `at` (default: its deadline). */
  private scheduleClose(run: Followed, at?: number): void {
    if (run.state.status !== 'open') return;
    const jitter = Math.random() * (this.opts.closeJitterMs ?? 500);
    // Timers may fire a millisecond early; the decider refuses a close before the deadline.
    const from = at ?? Date.parse(run.state.deadline) + DEADLINE_MARGIN_MS;
    const wait = from - this.clock() + jitter;
    run.timer = setTimeout(
      () => {
        if (this.stopped) return;
        if (wait > MAX_TIMER_MS) return this.scheduleClose(run, at);
        const closing = this.closeRun(run).catch((error: unknown) => {
          // Another gateway holds the close: look again when its lease runs out
          // (it renews while it works; the run completing ends the wait).
          const held = error instanceof DomainError && error.code === 'CLOSE_LEASE_HELD';
          if (!held) this.onError(error);
          if (this.stopped || !this.runs.has(run.runId)) return;
          // Otherwise try again (another gateway may also succeed meanwhile; the decider settles it).
          this.retryClose(
            run,
            held ? this.leaseExpiry(run) + LEASE_MARGIN_MS : this.clock() + CLOSE_RETRY_MS,
          );
        });
        this.closing.add(closing);
        void closing.finally(() => this.closing.delete(closing));
      },
      Math.max(0, Math.min(wait, MAX_TIMER_MS)),
    );
  }

  private retryClose(run: Followed, at: number): void {
    clearTimeout(run.timer);
    run.timer = setTimeout(() => this.scheduleClose(run, at), Math.max(0, at - this.clock()));
  }

  /** When the lease this gateway knows of ends (a full lease from now if it has not seen it yet). */
  private leaseExpiry(run: Followed): number {
    const lease = run.state.status === 'none' ? null : run.state.closeLease;
    const known = lease ? Date.parse(lease.expiresAt) : 0;
    return known > this.clock() ? known : this.clock() + this.leaseMs();
  }

  private leaseMs(): number {
    return this.opts.closeLeaseMs ?? DEFAULT_CLOSE_LEASE_MS;
  }

  private async closeRun(run: Followed): Promise<void> {
    if (this.stopped || run.closing) return;
    // This gateway's answers are recorded before the close decides what is missed.
    await this.writer.drain();
    if (run.state.status !== 'open' || !this.runs.has(run.runId) || run.closing) return;
    const { gatewayId } = this.opts;
    // A lease another gateway holds, as this gateway follows the run: no need to ask.
    const lease = run.state.closeLease;
    if (lease && lease.closer !== gatewayId && Date.parse(lease.expiresAt) > this.clock())
      return this.retryClose(run, Date.parse(lease.expiresAt) + LEASE_MARGIN_MS);
    // One command id for every gateway: sub-steps derive the same ids wherever they run.
    const now = new Date(this.clock()).toISOString();
    const metadata = { now, commandId: gatewayCloseCommandId(run.runId), actor: BILLING_ACTOR };
    run.closing = true;
    try {
      const closed = await closeBillRun(this.opts.billing, { runId: run.runId }, metadata, {
        lease: { closer: gatewayId, leaseMs: this.leaseMs(), clock: this.clock },
        // The close moves the run forward in place as it records, as this follower does.
        knownRun: run,
        // The close bills only what this gateway's billing leaves, and does not race it.
        ownBilling: () => this.biller.drain(run),
      });
      this.closeOneMeterPath += closed.oneMeterPath;
    } finally {
      run.closing = false;
    }
  }
}
