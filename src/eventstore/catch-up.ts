// A checkpointed subscription over any store that can page through its log:
// read batches after the checkpoint, hand each to the handler, advance the
// checkpoint, and when nothing is left sleep until woken (e.g. by Postgres
// NOTIFY) or until the polling interval passes. Each event is delivered once,
// in log order, because the checkpoint only moves after the handler resolves.
// A filtered subscription reads pages the store has already filtered: each
// says how far it read, so the checkpoint also moves past left-out events
// (caughtUp is reached even when the log ends with them, and they are not
// read again).

import type { RecordedEvent, SubscribeOptions, Subscription } from './port.ts';
import { subscribeFilter, type SubscribeFilter } from './subscribe-filter.ts';

/** One page of a filtered log read. */
export interface LogPage {
  /** The matching events, in log order. */
  events: RecordedEvent[];
  /** Every event up to here was read (delivered or left out); undefined when none was. */
  readTo: string | undefined;
  /** The page stopped early (full window or full batch): read the next one at once. */
  more: boolean;
}

export interface LogReader {
  readAll(options: { after?: string; limit: number }): Promise<RecordedEvent[]>;
  /**
   * Filtered read: looks at no more than `window` events after `after` and
   * returns at most `limit` of them that match. Needed for filtered subscriptions.
   */
  readMatching?(options: {
    after: string | undefined;
    filter: SubscribeFilter;
    window: number;
    limit: number;
  }): Promise<LogPage>;
  headPosition(): Promise<string | null>;
  comparePositions(a: string, b: string): number;
}

export interface CatchUpOptions {
  /** How often to look for new events when no wake-up arrives. */
  pollIntervalMs: number;
  /** Registers a wake-up callback; returns its unregister function. */
  onWake?: (wake: () => void) => () => void;
  /**
   * Most events a filtered read looks at per page (default 20,000, or the
   * batch size if larger): bounds each statement when few events match.
   */
  filterWindow?: number;
}

const DEFAULT_FILTER_WINDOW = 20_000;

export function catchUpSubscription(
  reader: LogReader,
  options: SubscribeOptions,
  { pollIntervalMs, onWake, filterWindow }: CatchUpOptions,
): Subscription {
  const { after, batchSize = 500, handler, onError, onSkipped } = options;
  // Refused before anything is registered or read.
  const filter = subscribeFilter(options);
  const readMatching = reader.readMatching?.bind(reader);
  if (filter && !readMatching) throw new Error('this log reader cannot filter subscriptions');
  // A filtered page looks at `window` events. It starts at one batch and grows
  // while pages come back short of matches (a rare filter: fewer, longer
  // statements), and shrinks back when the batch fills first (a common one:
  // no scanning far past the batch only to read the rest again next time).
  const maxWindow = Math.max(filterWindow ?? DEFAULT_FILTER_WINDOW, batchSize);
  let window = batchSize;
  const adaptWindow = ({ events, more }: LogPage) => {
    if (events.length === batchSize) window = Math.max(batchSize, Math.floor(window / 2));
    else if (more) window = Math.min(maxWindow, window * 4);
  };
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
    const read = async (after: string | undefined): Promise<LogPage> => {
      if (filter) return readMatching!({ after, filter, window, limit: batchSize });
      const events = await reader.readAll(
        after === undefined ? { limit: batchSize } : { after, limit: batchSize },
      );
      return { events, readTo: events.at(-1)?.position, more: events.length === batchSize };
    };
    // While catching up, the next page is fetched while the handler works on this one.
    let prefetched: Promise<LogPage> | null = null;
    while (!stopped) {
      woken = false;
      const page = await (prefetched ?? read(checkpoint));
      const { events, readTo, more } = page;
      prefetched = null;
      if (stopped) break;
      if (filter) adaptWindow(page);
      if (more && readTo !== undefined) {
        prefetched = read(readTo);
        // A failed prefetch surfaces when awaited; until then it must not count as unhandled.
        prefetched.catch(() => {});
      }
      if (events.length > 0) await handler(events);
      // The page ends with events the filter left out: say how far it read.
      if (readTo !== undefined && readTo !== events.at(-1)?.position) await onSkipped?.(readTo);
      if (readTo !== undefined) {
        checkpoint = readTo;
        checkCaughtUp();
      }
      if (!more) await sleep();
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
