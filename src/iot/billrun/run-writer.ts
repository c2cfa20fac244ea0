// Writes a gateway's bill-run facts (meter asked, meter answered) in batches:
// each run's queued commands are decided with the bill-run decider against the
// run state this gateway follows, and appended in one append at the run's
// exact revision. The service call per answer (`recordMeterAnswer`) folds the
// whole run stream each time, which is quadratic in a run of many meters;
// batching keeps the same decider rules at one short read per conflict.
// Several gateways write one run: a conflict reads what the run gained and
// decides again, and the decider turns facts another gateway already
// recorded into no-ops.

import { v5 as uuidv5 } from 'uuid';
import { BILLING_ACTOR } from '../../commands/billing.ts';
import {
  applyBillRunEvent,
  billRunDecider,
  billRunStream,
  cloneBillRun,
  foldBillRun,
  type BillRunEvent,
  type BillRunState,
  type RecordMeterAnswer,
  type RequestMeterRead,
} from '../../domain/billrun/index.ts';
import { EventStoreError, isWrongExpectedRevision } from '../../eventstore/errors.ts';
import type { EventStore, NewEvent } from '../../eventstore/port.ts';

// Namespace of this writer's event ids: uuid v5 of `${runId}/${type}/${meterId}`.
const RUN_FACT_NAMESPACE = 'c7b1e6d2-95a4-4a8e-b3f0-1d6e2c9a7f45';

export interface TrackedRun {
  runId: string;
  state: BillRunState;
  /** Revision of the last event folded into `state`. */
  revision: number;
}

export type RunFact = RequestMeterRead | RecordMeterAnswer;

export const foldRun = (runId: string, events: { revision: number }[]): TrackedRun => ({
  runId,
  state: foldBillRun(events),
  revision: events.length === 0 ? -1 : events[events.length - 1]!.revision,
});

const MAX_ATTEMPTS = 8;

/**
 * Another gateway wrote first: a plain revision conflict, or (when it wrote a
 * fact with the same derived id among others) an idempotency conflict.
 */
const isConflict = (error: unknown): boolean =>
  isWrongExpectedRevision(error) ||
  (error instanceof EventStoreError && error.code === 'IDEMPOTENCY_CONFLICT');

export class RunWriter {
  private readonly queues = new Map<TrackedRun, RunFact[]>();
  private readonly flushing = new Set<TrackedRun>();
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly onError: (error: unknown) => void,
    private readonly flushDelayMs = 10,
  ) {}

  submit(run: TrackedRun, fact: RunFact): void {
    const queue = this.queues.get(run);
    if (queue) return void queue.push(fact);
    this.queues.set(run, [fact]);
    if (!this.flushing.has(run)) setTimeout(() => void this.flush(run), this.flushDelayMs);
  }

  /** Resolves once every submitted fact is written or refused. */
  async drain(): Promise<void> {
    if (this.queues.size === 0 && this.flushing.size === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async flush(run: TrackedRun): Promise<void> {
    const facts = this.queues.get(run);
    if (!facts || this.flushing.has(run)) return;
    this.queues.delete(run);
    this.flushing.add(run);
    try {
      await this.write(run, facts);
    } catch (error) {
      this.onError(error);
    } finally {
      this.flushing.delete(run);
      if (this.queues.has(run)) void this.flush(run);
      else if (this.queues.size === 0 && this.flushing.size === 0)
        this.idle.splice(0).forEach((w) => w());
    }
  }

  /**
   * Folds in what other writers appended since the run's revision (a run of
   * 20,000 meters holds some 60,000 events: never read it whole per conflict).
   * The follower may fold the same events meanwhile; each applies only the
   * event right after the revision it holds.
   */
  private async catchUp(run: TrackedRun): Promise<void> {
    const stream = billRunStream(run.runId);
    const more = await this.store.readStream(stream, { fromRevision: run.revision + 1 });
    for (const event of more) {
      if (event.revision !== run.revision + 1) continue;
      run.state = applyBillRunEvent(run.state, event as unknown as BillRunEvent);
      run.revision = event.revision;
    }
  }

  private async write(run: TrackedRun, facts: RunFact[]): Promise<void> {
    for (let stalled = 0; ;) {
      const expected = run.revision;
      const { events, state } = decideAll(run, facts);
      if (events.length === 0) return;
      try {
        const result = await this.store.append(billRunStream(run.runId), events, {
          expectedRevision: expected,
        });
        // A follower may have folded these already while the append was in flight.
        if (run.revision < result.nextRevision) {
          run.state = state;
          run.revision = result.nextRevision;
        }
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
        await this.catchUp(run);
        // Another gateway's write went in (a revision or, for a fact it also
        // recorded, an idempotency conflict): decide again, however often.
        // Giving up would drop answers, and the close would record those
        // meters missed. Only conflicts the run's progress does not explain
        // give up, after MAX_ATTEMPTS in a row.
        if (run.revision > expected) stalled = 0;
        else if (++stalled >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}

/**
 * Decides the facts in order on a copy of the run's state (the follower keeps
 * updating the original); a fact the decider refuses (e.g. past the deadline)
 * is dropped.
 */
function decideAll(run: TrackedRun, facts: RunFact[]): { events: NewEvent[]; state: BillRunState } {
  let state = cloneBillRun(run.state);
  const events: NewEvent[] = [];
  for (const fact of facts) {
    const decided = billRunDecider.decide(fact, state);
    if (decided instanceof Error) continue;
    for (const event of decided) {
      state = applyBillRunEvent(state, event as BillRunEvent);
      const { meterId } = fact.data;
      events.push({
        id: uuidv5(`${run.runId}/${event.type}/${meterId}`, RUN_FACT_NAMESPACE),
        type: event.type,
        data: event.data,
        metadata: {
          commandId: fact.metadata.commandId,
          actor: BILLING_ACTOR,
          at: fact.metadata.now,
        },
      });
    }
  }
  return { events, state };
}
