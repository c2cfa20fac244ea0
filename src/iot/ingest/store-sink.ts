// The gateway's ReadingSink on the event store, with group commit: readings
// from every connection queue up, and a committer writes them every few
// milliseconds (or as soon as `maxBatch` wait) with ONE appendMany, each
// meter's stream at the exact revision its cached state was folded to. A
// reading's promise resolves only after that transaction commits, so the
// gateway's ack always means "durable". Decisions are the meter decider's.
// A session may pipeline several readings of one meter: they stay in call
// order through loading, queueing, retries and reloads, and one that is
// finally refused takes the meter's readings queued behind it down with it.

import type { Reading } from '../protocol/canonical.ts';
import type { ReadingSink, SinkRejectionCode, SinkResult } from '../session/ports.ts';
import type { EventStore, StreamAppend } from '../../eventstore/port.ts';
import { meterStream } from '../../domain/meter/index.ts';
import { decideBatch, type QueuedReading } from './decide-batch.ts';
import { MeterStates, signatureHex, type MeterEntry } from './meter-states.ts';

export interface StoredReading {
  meterId: string;
  seq: number;
  runId: string | null;
  requestId: string | null;
  eventId: string;
  /** Revision of the event in the meter stream. */
  revision: number;
}

export interface StoreSinkOptions {
  store: EventStore;
  gatewayId: string;
  /** Shared with the directory so a meter's stream is folded once. */
  meters?: MeterStates;
  /** The run a bill-run request id belongs to; null for readings no run asked for. */
  runIdFor?: (requestId: string) => string | null;
  /** Called after commit for every ReadingRecorded that answers a request (bill-run answers). */
  onAnswer?: (stored: StoredReading) => void;
  clock?: () => number;
  /** Longest a reading waits for its batch (ms). */
  flushIntervalMs?: number;
  /** Readings per transaction at most; a queue this long is written at once. */
  maxBatch?: number;
  /** Transactions allowed in flight at once (a meter is in at most one). */
  maxInFlight?: number;
  /** Told each committed group: readings in it and the transaction's time (metrics). */
  onCommitted?: (readings: number, seconds: number) => void;
}

export class StoreReadingSink implements ReadingSink {
  readonly meters: MeterStates;
  private readonly queues = new Map<MeterEntry, QueuedReading[]>();
  private readonly busy = new Set<MeterEntry>();
  /** Per meter, the last reading still on its way into the queue (keeps call order). */
  private readonly admitting = new Map<string, Promise<void>>();
  private queued = 0;
  /** Readings set aside while their meter's stream is read again. */
  private held = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly idle: (() => void)[] = [];

  constructor(private readonly opts: StoreSinkOptions) {
    this.meters = opts.meters ?? new MeterStates(opts.store);
  }

  private get maxBatch(): number {
    return this.opts.maxBatch ?? 500;
  }

  /**
   * Readings of one meter are queued, decided and stored in the order of the
   * calls, however long loading the meter takes: a session may pipeline
   * several before the first commits.
   */
  accept(reading: Reading, signature: Uint8Array): Promise<SinkResult> {
    const requestId = reading.requestId ?? null;
    const runId = requestId === null ? null : (this.opts.runIdFor?.(requestId) ?? null);
    const { meterId } = reading;
    return new Promise<SinkResult>((resolve) => {
      const item: QueuedReading = {
        reading,
        signature: signatureHex(signature),
        runId,
        retried: false,
        resolve,
      };
      // The common case (the meter is loaded, none of its readings on the way):
      // queued now, without the chain below and its three promises a reading.
      const ahead = this.admitting.get(meterId);
      const cached = ahead ? undefined : this.meters.cached(meterId);
      if (cached) return this.enqueue(cached, item);
      const queuedAfter = (ahead ?? Promise.resolve())
        .then(() => this.meters.get(meterId))
        .then(
          (entry) => this.enqueue(entry, item),
          () => resolve(reject('UNAVAILABLE')),
        );
      this.admitting.set(meterId, queuedAfter);
      void queuedAfter.then(() => {
        if (this.admitting.get(meterId) === queuedAfter) this.admitting.delete(meterId);
      });
    });
  }

  /** Resolves once every queued reading has been written or refused. */
  async drain(): Promise<void> {
    if (this.queued === 0 && this.inFlight === 0 && this.held === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Puts readings back at the head of their meter's queue (they are older than any queued). */
  private requeueFront(entry: MeterEntry, items: QueuedReading[]): void {
    const queue = this.queues.get(entry);
    if (queue) queue.unshift(...items);
    else this.queues.set(entry, [...items]);
    this.queued += items.length;
    this.schedule();
  }

  /**
   * Refuses `items` and every reading of the meter queued behind them: none
   * may be stored ahead of an earlier reading that the meter must send again.
   */
  private refuseFrom(entry: MeterEntry, items: QueuedReading[]): void {
    const behind = this.queues.get(entry) ?? [];
    this.queues.delete(entry);
    this.queued -= behind.length;
    [...items, ...behind].forEach((i) => i.resolve(reject('UNAVAILABLE')));
  }

  /** Another writer changed the meter: hold its readings (in order) until it is folded again. */
  private reloadThenRequeue(entry: MeterEntry, items: QueuedReading[]): void {
    this.busy.add(entry);
    this.held += items.length;
    const done = () => {
      this.busy.delete(entry);
      this.held -= items.length;
    };
    this.meters.reload(entry.meterId).then(
      () => {
        done();
        this.requeueFront(entry, items);
      },
      () => {
        done();
        this.refuseFrom(entry, items);
        this.settleIdle();
      },
    );
  }

  private enqueue(entry: MeterEntry, item: QueuedReading): void {
    const queue = this.queues.get(entry);
    if (queue) queue.push(item);
    else this.queues.set(entry, [item]);
    this.queued++;
    this.schedule();
  }

  private schedule(): void {
    if (this.queued >= this.maxBatch) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.opts.flushIntervalMs ?? 5);
    }
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= (this.opts.maxInFlight ?? 4)) return;
    const batch: { entry: MeterEntry; items: QueuedReading[] }[] = [];
    let taken = 0;
    for (const [entry, items] of this.queues) {
      // Several bounded transactions commit side by side; one huge one would
      // make every reading wait for all of them.
      if (taken >= this.maxBatch) break;
      if (this.busy.has(entry)) continue;
      this.queues.delete(entry);
      this.queued -= items.length;
      if (entry.stale) {
        // Another writer changed the meter: fold it again, then take the next batch.
        this.reloadThenRequeue(entry, items);
        continue;
      }
      batch.push({ entry, items });
      taken += items.length;
    }
    if (batch.length === 0) return this.settleIdle();
    this.inFlight++;
    batch.forEach((b) => this.busy.add(b.entry));
    if (this.queued > 0) void this.flush();
    try {
      await this.commit(batch);
    } finally {
      batch.forEach((b) => this.busy.delete(b.entry));
      this.inFlight--;
      // What queued while this commit ran goes now, not after the timer: under
      // load the event loop can spend seconds reading sockets before it runs
      // timers, and waiting for one held readings until 500 had queued up.
      if (this.queued > 0) void this.flush();
      this.settleIdle();
    }
  }

  private async commit(batch: { entry: MeterEntry; items: QueuedReading[] }[]): Promise<void> {
    const receivedAt = new Date((this.opts.clock ?? Date.now)()).toISOString();
    const actor = `system:gateway-${this.opts.gatewayId}`;
    const plans = batch.map(({ entry, items }) => ({
      entry,
      ...decideBatch(entry, items, { receivedAt, actor }),
    }));
    const writes = plans.filter((p) => p.events.length > 0);
    const appends: StreamAppend[] = writes.map((p) => ({
      stream: meterStream(p.entry.meterId),
      events: p.events,
      expectedRevision: p.entry.revision === -1 ? 'no_stream' : p.entry.revision,
    }));
    let outcomes: Awaited<ReturnType<EventStore['appendMany']>>;
    const started = performance.now();
    try {
      outcomes = appends.length === 0 ? [] : await this.opts.store.appendMany(appends);
    } catch {
      // The transaction may or may not have committed: retrying the same event
      // ids is a no-op if it did, so each reading gets one more chance.
      for (const p of writes) this.retryOrFail(p.entry, p.stored, true);
      return;
    }
    if (appends.length > 0)
      this.opts.onCommitted?.(
        writes.reduce((n, p) => n + p.events.length, 0),
        (performance.now() - started) / 1000,
      );
    writes.forEach((plan, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok) return this.retryOrFail(plan.entry, plan.stored, true);
      const first = outcome.result.nextRevision - plan.events.length + 1;
      // A reload while the write was in flight may already hold these events.
      if (plan.entry.revision < outcome.result.nextRevision)
        plan.entry.applyDecided(plan.meterEvents, plan.state, first);
      plan.stored.forEach((item, k) => {
        item.resolve(item.outcome ?? { ok: true });
        const requestId = item.reading.requestId ?? null;
        if (item.outcome === undefined && requestId !== null)
          this.opts.onAnswer?.({
            meterId: plan.entry.meterId,
            seq: item.reading.seq,
            runId: item.runId,
            requestId,
            eventId: plan.events[k]!.id,
            revision: first + k,
          });
      });
    });
  }

  /** A conflict (another gateway wrote the meter) or a failed commit: reload and retry once. */
  private retryOrFail(entry: MeterEntry, items: QueuedReading[], reload: boolean): void {
    // Retried readings sit at the head of a meter's queue, so everything from
    // the first of them on is refused, and what is behind them in the queue too.
    const firstRetried = items.findIndex((i) => i.retried);
    const again = firstRetried === -1 ? items : items.slice(0, firstRetried);
    if (firstRetried !== -1) this.refuseFrom(entry, items.slice(firstRetried));
    if (again.length === 0) return;
    again.forEach((i) => (i.retried = true));
    if (reload) entry.stale = true;
    this.requeueFront(entry, again);
  }

  private settleIdle(): void {
    if (this.queued === 0 && this.inFlight === 0 && this.held === 0)
      this.idle.splice(0).forEach((w) => w());
  }
}

export const reject = (code: SinkRejectionCode): SinkResult => ({ ok: false, code });
