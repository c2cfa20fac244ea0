// The periodic checkpointer the server runs: a checkpoint every `everyMs`, or
// sooner once `everyEvents` new events have arrived (counted from a live
// subscription). Runs are serialised, and a backlog larger than one
// checkpoint's cap is drained by checkpointing again until caught up.

import type { EventStore, Subscription } from '../eventstore/port.ts';
import {
  createCheckpoint,
  DEFAULT_MAX_EVENTS_PER_CHECKPOINT,
  isCheckpointEvent,
  type StoredCheckpoint,
} from './checkpoint.ts';
import type { LedgerKey } from './ledger-key.ts';

export interface CheckpointerOptions {
  store: EventStore;
  key: LedgerKey;
  /** Checkpoint early once this many non-checkpoint events are new. */
  everyEvents: number;
  /** Checkpoint at least this often when anything is new. */
  everyMs: number;
  maxEventsPerCheckpoint?: number;
  /** A failed run is reported here and retried at the next tick. */
  onError?: (error: unknown) => void;
  onCheckpoint?: (checkpoint: StoredCheckpoint) => void;
}

export interface Checkpointer {
  /** Checkpoints everything readable now; resolves with the last checkpoint written. */
  checkpointNow(): Promise<StoredCheckpoint | null>;
  /** Stops the timer and the subscription; waits for a run in flight. */
  stop(): Promise<void>;
}

export async function startCheckpointer(options: CheckpointerOptions): Promise<Checkpointer> {
  const { store, key, everyEvents, everyMs } = options;
  if (!(everyEvents > 0) || !(everyMs > 0))
    throw new RangeError('everyEvents and everyMs must be positive');
  const cap = options.maxEventsPerCheckpoint ?? DEFAULT_MAX_EVENTS_PER_CHECKPOINT;
  let running: Promise<StoredCheckpoint | null> = Promise.resolve(null);
  let pending = 0;
  let stopped = false;

  const drain = async (): Promise<StoredCheckpoint | null> => {
    let last: StoredCheckpoint | null = null;
    for (;;) {
      const written = await createCheckpoint({ store, key, maxEvents: cap });
      if (!written) return last;
      last = written;
      options.onCheckpoint?.(written);
      if (written.checkpoint.eventCount < cap) return last;
    }
  };

  const checkpointNow = (): Promise<StoredCheckpoint | null> => {
    pending = 0;
    running = running.catch(() => null).then(drain);
    return running;
  };

  const tick = (): void => {
    if (stopped) return;
    checkpointNow().catch((error: unknown) => options.onError?.(error));
  };

  const timer = setInterval(tick, everyMs);
  // A checkpointer alone must not keep a process alive that is shutting down.
  timer.unref();
  const subscription: Subscription = store.subscribe({
    after: (await store.headPosition()) ?? undefined,
    handler: async (events) => {
      pending += events.filter((event) => !isCheckpointEvent(event)).length;
      if (pending >= everyEvents) tick();
    },
    onError: (error) => options.onError?.(error),
  });

  return {
    checkpointNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await subscription.stop();
      await running.catch(() => null);
    },
  };
}
