// A worker-thread pool that verifies signatures off the main thread. A worker
// has at most one batch at a time: calls wait in the queue while every worker
// is busy, and a worker that answers takes what queued up meanwhile as its
// next batch. Under load batches grow with the load, so the per-message cost
// (posting, waking the thread, the answer's callback) is paid per batch of
// hundreds, not per handful (small batches made the workers spend as much CPU
// on messages as on verifying); an idle pool still answers a lone call at once.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { verifierKind } from './select.ts';
import type { ReadingVerifier, VerifierKind, VerifyItem } from './types.ts';
import { packItems, type WorkerReply, type WorkerRequest } from './wire.ts';

export interface VerifyPoolOptions {
  /** Worker count; defaults to the number of cores. */
  size?: number;
  kind?: VerifierKind;
  /** Largest batch sent to one worker in one message. */
  maxBatch?: number;
}

/** Batches sent and items in them since the pool started (the bench reports their ratio). */
export interface VerifyPoolStats {
  batches: number;
  items: number;
}

interface Pending {
  item: VerifyItem;
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The batch the worker is verifying (at most one), by message id. */
  batches: Map<number, Pending[]>;
}

export class VerifyPool implements ReadingVerifier {
  private queue: Pending[] = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;
  readonly stats: VerifyPoolStats = { batches: 0, items: 0 };

  private constructor(
    private readonly slots: Slot[],
    private readonly maxBatch: number,
    private readonly workerKind: VerifierKind,
    readonly kind: string,
  ) {}

  /** Live worker count (a crashed worker is replaced asynchronously). */
  get size(): number {
    return this.slots.length;
  }

  static async start(opts: VerifyPoolOptions = {}): Promise<VerifyPool> {
    const size = Math.max(1, opts.size ?? availableParallelism());
    const kind = opts.kind ?? verifierKind;
    const slots = await Promise.all(Array.from({ length: size }, () => VerifyPool.spawn(kind)));
    const pool = new VerifyPool(slots, opts.maxBatch ?? 512, kind, `pool-${kind}x${size}`);
    for (const slot of slots) pool.attach(slot);
    return pool;
  }

  private static spawn(kind: VerifierKind): Promise<Slot> {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { kind } });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      worker.once('error', onError);
      worker.once('message', (msg: WorkerReply) => {
        worker.off('error', onError);
        if (msg.type !== 'ready') reject(new Error('verify worker did not report ready'));
        else resolve({ worker, batches: new Map() });
      });
    });
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (msg: WorkerReply) => {
      if (msg.type !== 'results') return;
      const batch = slot.batches.get(msg.id);
      if (!batch) return;
      slot.batches.delete(msg.id);
      // Next batch first: the worker verifies it while the answers are handed out here.
      if (this.queue.length > 0) this.dispatch();
      batch.forEach((p, i) => p.resolve(msg.results[i] === 1));
    });
    // A worker that dies fails only its own batches; a replacement takes its place.
    slot.worker.on('error', () => {});
    slot.worker.once('exit', (code) => {
      if (this.closed) return;
      const err = new Error(`verify worker exited with code ${code}`);
      const lost = [...slot.batches.values()].flat();
      const index = this.slots.indexOf(slot);
      this.slots.splice(index, 1);
      lost.forEach((p) => p.reject(err));
      this.dispatch();
      VerifyPool.spawn(this.workerKind).then(
        (fresh) => {
          if (this.closed) return void fresh.worker.terminate();
          this.slots.push(fresh);
          this.attach(fresh);
          if (this.queue.length > 0) this.dispatch();
        },
        (spawnErr: Error) => {
          // No worker left and none can start: fail queued work rather than hang it.
          if (this.slots.length === 0) this.queue.splice(0).forEach((p) => p.reject(spawnErr));
        },
      );
    });
  }

  verify(item: VerifyItem): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('verify pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // Calls made in the same callback travel together. A microtask, not
      // setImmediate: under load the loop can read sockets for seconds before
      // it gets to immediates, and idle workers waited all that time.
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.dispatch();
        });
      }
    });
  }

  verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]> {
    return Promise.all(items.map((item) => this.verify(item)));
  }

  /** Hands the queue to the idle workers, evenly, within maxBatch; busy ones take theirs on answering. */
  private dispatch(): void {
    if (this.closed || this.queue.length === 0) return;
    // With no worker idle (or none alive: replacements take the queue when they start), wait.
    const idle = this.slots.filter((slot) => slot.batches.size === 0);
    if (idle.length === 0) return;
    const per = Math.min(this.maxBatch, Math.ceil(this.queue.length / idle.length));
    for (const slot of idle) {
      if (this.queue.length === 0) break;
      const batch = this.queue.splice(0, per);
      const id = this.nextId++;
      slot.batches.set(id, batch);
      this.stats.batches++;
      this.stats.items += batch.length;
      const packed = packItems(batch.map((p) => p.item));
      const req: WorkerRequest = { id, packed };
      // The buffer is transferred (moved), not copied.
      slot.worker.postMessage(req, [packed]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const p of this.queue.splice(0)) p.reject(new Error('verify pool is closed'));
  }
}
