// Writes a gateway's bill-run facts (meters asked, meters answered) in
// batches: each run's queued facts become one `RequestMeterReads` and one
// `RecordMeterAnswers` command, decided with the bill-run decider against the
// run state this gateway follows, and appended in one append at the run's
// exact revision, up to 1,000 meters to an event (a 20,000-meter run gains
// some 40 events here, not 40,000). The service call per answer
// (`recordMeterAnswer`) folds the whole run stream each time, which is
// quadratic in a run of many meters; batching keeps the same decider rules
// at one short read per conflict. Several gateways write one run: a conflict
// reads what the run gained and decides again, and the decider leaves out the
// meters another gateway already recorded (their event ids are the same on
// every gateway: run-fact-ids.ts).

import { BILLING_ACTOR } from '../../commands/billing.ts';
import { catchUp, foldIn, isRunConflict } from '../../commands/record-on-run.ts';
import { runFactEventId } from '../../commands/run-fact-ids.ts';
import {
  billRunStream,
  decideMeters,
  foldBillRun,
  tentative,
  type BillRunState,
  type MeterAnswer,
  type MeterBatchCommand,
  type RecordMeterAnswer,
  type RequestMeterRead,
} from '../../domain/billrun/index.ts';
import type { EventStore, NewEvent } from '../../eventstore/port.ts';

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

export interface RunWriterOptions {
  /** How long a run's first queued fact waits for others (ms, default 10). */
  flushDelayMs?: number;
  /** Called with the answers this writer has just recorded on the run (e.g. to bill them). */
  onAnswersRecorded?: (run: TrackedRun, answers: MeterAnswer[]) => void;
}

/** What a run writer has done so far (for benchmarks and metrics). */
export interface RunWriterStats {
  /** Appends of asks and answers that went in. */
  appends: number;
  /** Appends refused because another writer appended first (each read what it gained and decided again). */
  conflicts: number;
}

export class RunWriter {
  readonly stats: RunWriterStats = { appends: 0, conflicts: 0 };
  private readonly queues = new Map<TrackedRun, RunFact[]>();
  private readonly flushing = new Set<TrackedRun>();
  private readonly idle: (() => void)[] = [];
  private readonly flushDelayMs: number;

  constructor(
    private readonly store: EventStore,
    private readonly onError: (error: unknown) => void,
    private readonly options: RunWriterOptions = {},
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 10;
  }

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

  private async write(run: TrackedRun, facts: RunFact[]): Promise<void> {
    for (let stalled = 0; ;) {
      const expected = run.revision;
      const { events, answers } = decideAll(run, facts);
      if (events.length === 0) return;
      try {
        await this.store.append(billRunStream(run.runId), events, {
          expectedRevision: expected,
        });
        this.stats.appends++;
        // A follower may have folded some of these already while the append was in flight.
        foldIn(run, events, expected + 1);
        if (answers.length > 0) this.options.onAnswersRecorded?.(run, answers);
        return;
      } catch (error) {
        if (!isRunConflict(error)) throw error;
        this.stats.conflicts++;
        // What other writers appended since (a run of 20,000 meters written
        // before batch events holds some 60,000: never read it whole per conflict).
        await catchUp(this.store, run.runId, run);
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
 * The queued facts as batch commands: the asks, then the answers (a meter's
 * ask is queued before its answer, and an ask after the answer is a no-op
 * anyway). A batch is decided at one time, the latest of its facts, so the
 * facts from before the run's deadline go in batches of their own: an answer
 * stored just in time is not refused for one that came after it.
 */
function batchesOf(run: TrackedRun, facts: RunFact[]): MeterBatchCommand[] {
  const deadline = run.state.status === 'none' ? Infinity : Date.parse(run.state.deadline);
  const commands: MeterBatchCommand[] = [];
  for (const late of [false, true]) {
    const due = facts.filter((f) => Date.parse(f.metadata.now) >= deadline === late);
    const asks = due.filter((f): f is RequestMeterRead => f.type === 'RequestMeterRead');
    const answers = due.filter((f): f is RecordMeterAnswer => f.type === 'RecordMeterAnswer');
    if (asks.length > 0)
      commands.push({
        type: 'RequestMeterReads',
        data: { meterIds: asks.map((f) => f.data.meterId) },
        metadata: batchMetadata(asks),
      });
    if (answers.length > 0)
      commands.push({
        type: 'RecordMeterAnswers',
        data: { answers: answers.map((f) => f.data) },
        metadata: batchMetadata(answers),
      });
  }
  return commands;
}

/** The latest time of the facts; the first fact's command id names the batch in the log. */
function batchMetadata(facts: RunFact[]): MeterBatchCommand['metadata'] {
  const now = facts.reduce((latest, f) => (f.metadata.now > latest ? f.metadata.now : latest), '');
  return { now, commandId: facts[0]!.metadata.commandId, actor: BILLING_ACTOR };
}

/**
 * Decides the batches in turn on the run's own state, tentatively (each
 * sees the ones before it; the state is as it was on return, and the
 * follower keeps updating it); meters the decider refuses (e.g. past the
 * deadline) are dropped.
 */
function decideAll(run: TrackedRun, facts: RunFact[]) {
  const draft = tentative(run.state);
  const events: NewEvent[] = [];
  /** The answers among the events: only this writer's (another gateway's are left out). */
  const answers: MeterAnswer[] = [];
  try {
    for (const command of batchesOf(run, facts)) {
      for (const event of decideMeters(command, draft.state).events) {
        draft.apply(event);
        if (event.type === 'MetersAnswered') answers.push(...event.data.answers);
        const { commandId, actor, now } = command.metadata;
        events.push({
          id: runFactEventId(run.runId, event)!,
          type: event.type,
          data: event.data,
          metadata: { commandId, actor, at: now },
        });
      }
    }
  } finally {
    draft.rollback();
  }
  return { events, answers };
}
