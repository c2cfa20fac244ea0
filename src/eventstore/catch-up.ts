// A checkpointed subscription over any store that can page through its log:
// read batches after the checkpoint, hand each to the handler, advance the
// checkpoint, and when nothing is left sleep until woken (e.g. by Postgres
// NOTIFY) or until the polling interval passes. Each event is delivered once,
// in log order, because the checkpoint only moves after the handler resolves.

import type { RecordedEvent, SubscribeOptions, Subscription } from './port.ts';

export interface LogReader {
  readAll(options: { after?: string; limit: number }): Promise<RecordedEvent[]>;
  headPosition(): Promise<string | null>;
  comparePositions(a: string, b: string): number;
}

export interface CatchUpOptions {
  /** How often to look for new events when no wake-up arrives. */
  pollIntervalMs: number;
  /** Registers a wake-up callback; returns its unregister function. */
  onWake?: (wake: () => void) => () => void;
}

export function catchUpSubscription(
  reader: LogReader,
  { after, batchSize = 500, handler, onError }: SubscribeOptions,
  { pollIntervalMs, onWake }: CatchUpOptions,
): Subscription {
  let checkpoint = after;
  let stopped = false;
  let woken = false;
  let sleeper: (() => void) | null = null;
  const wake = () => {
    woken = true;
    sleeper?.();
  };
  const unregister = onWake?.(wake);

  let markCaughtUp!: () => void;
  let failCaughtUp!: (error: unknown) => void;
  const caughtUp = new Promise<void>((resolve, reject) => {
    markCaughtUp = resolve;
    failCaughtUp = reject;
  });
  // Callers that never await `caughtUp` must not see an unhandled rejection.
  caughtUp.catch(() => {});

  const sleep = () =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, pollIntervalMs);
      function done() {
        clearTimeout(timer);
        sleeper = null;
        resolve();
      }
      sleeper = done;
    });

  const run = async () => {
    const head = await reader.headPosition();
    let isCaughtUp = false;
    const checkCaughtUp = () => {
      if (isCaughtUp) return;
      if (
        head === null ||
        (checkpoint !== undefined && reader.comparePositions(checkpoint, head) >= 0)
      ) {
        isCaughtUp = true;
        markCaughtUp();
      }
    };
    checkCaughtUp();
    const read = (after: string | undefined) =>
      reader.readAll(after === undefined ? { limit: batchSize } : { after, limit: batchSize });
    // While catching up, the next page is fetched while the handler works on this one.
    let prefetched: Promise<RecordedEvent[]> | null = null;
    while (!stopped) {
      woken = false;
      const events = await (prefetched ?? read(checkpoint));
      prefetched = null;
      if (stopped) break;
      const full = events.length === batchSize;
      if (full) {
        prefetched = read(events[batchSize - 1]!.position);
        // A failed prefetch surfaces when awaited; until then it must not count as unhandled.
        prefetched.catch(() => {});
      }
      if (events.length > 0) {
        await handler(events);
        checkpoint = events[events.length - 1]!.position;
        checkCaughtUp();
      }
      if (!full) await sleep();
    }
  };

  const running = run()
    .catch((error: unknown) => {
      stopped = true;
      failCaughtUp(error);
      onError?.(error);
    })
    .finally(() => unregister?.());

  return {
    caughtUp,
    async stop() {
      stopped = true;
      sleeper?.();
      await running;
      failCaughtUp(new Error('subscription stopped before catching up'));
    },
  };
}
