// A worker-thread pool that verifies signatures off the main thread. Calls
// made in the same tick are coalesced into batches (one message per batch per
// worker), and each batch goes to the worker with the fewest items in flight.

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

interface Pending {
  item: VerifyItem;
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  batches: Map<number, Pending[]>;
}

export class VerifyPool implements ReadingVerifier {
  private queue: Pending[] = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;

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
        else resolve({ worker, inFlight: 0, batches: new Map() });
      });
    });
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (msg: WorkerReply) => {
      if (msg.type !== 'results') return;
      const batch = slot.batches.get(msg.id);
      if (!batch) return;
      slot.batches.delete(msg.id);
      slot.inFlight -= batch.length;
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
      VerifyPool.spawn(this.workerKind).then(
        (fresh) => {
          if (this.closed) return void fresh.worker.terminate();
          this.slots.push(fresh);
          this.attach(fresh);
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
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]> {
    return Promise.all(items.map((item) => this.verify(item)));
  }

  private flush(): void {
    this.scheduled = false;
    if (this.slots.length === 0) {
      // Every worker died at once; their replacements are starting. Try again shortly.
      this.scheduled = true;
      setTimeout(() => this.flush(), 10);
      return;
    }
    const queue = this.queue;
    this.queue = [];
    // Spread a large tick evenly so every core gets work, within maxBatch.
    const per = Math.min(this.maxBatch, Math.ceil(queue.length / this.slots.length));
    for (let at = 0; at < queue.length; at += per) {
      const batch = queue.slice(at, at + per);
      const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      const id = this.nextId++;
      slot.batches.set(id, batch);
      slot.inFlight += batch.length;
      const packed = packItems(batch.map((p) => p.item));
      const req: WorkerRequest = { id, packed };
      slot.worker.postMessage(req, [packed]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const p of this.queue.splice(0)) p.reject(new Error('verify pool is closed'));
  }
}
