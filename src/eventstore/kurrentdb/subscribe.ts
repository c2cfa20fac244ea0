// Catch-up subscriptions on KurrentDB: `subscribeToAll` from a checkpoint
// reads history and then switches to live events by itself; this module turns
// its stream of single events into the port's ordered batches, handing the
// next batch over only after the handler's promise settles.
//
// A filtered subscription filters on the server: by stream-name prefixes when
// it has any, else by an exact event-type regex (the server takes one filter;
// the rest, e.g. the types of a prefix filter, is checked here). The server
// reports how far it has searched (checkpointReached); once everything
// before that report has been delivered, the position goes to onSkipped and
// counts towards caughtUp, so a log ending with left-out events is caught up.

import {
  eventTypeFilter,
  excludeSystemEvents,
  START,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Filter,
  type KurrentDBClient,
  type Position,
} from '@kurrent/kurrentdb-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../port.ts';
import { matchesFilter, subscribeFilter, type SubscribeFilter } from '../subscribe-filter.ts';
import { isSystemEvent, toRecordedEvent } from './events.ts';
import { comparePositions, decodePosition, encodePosition } from './positions.ts';

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The one filter the server applies; matchesFilter checks the rest of it here. */
export function serverFilter(
  filter: SubscribeFilter | null,
  checkpointReached: (subscription: AllStreamSubscription, position: Position) => Promise<void>,
): Filter {
  if (filter?.streamPrefixes)
    return streamNameFilter({ prefixes: [...filter.streamPrefixes], checkpointReached });
  if (filter?.eventTypes)
    return eventTypeFilter({
      regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$`,
      checkpointReached,
    });
  return excludeSystemEvents();
}

export function subscribeToKurrent(
  client: KurrentDBClient,
  options: SubscribeOptions,
  headPosition: () => Promise<string | null>,
): Subscription {
  // Refused before anything is subscribed.
  const filter = subscribeFilter(options);
  const batchSize = options.batchSize ?? 500;
  let delivered = options.after;
  /** How far the server searched, once everything before it was delivered. */
  let searched: string | undefined;
  let batch: RecordedEvent[] = [];
  let delivering = false;
  let idleWaiters: (() => void)[] = [];
  let stopped = false;
  let settleCaughtUp: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const caughtUp = new Promise<void>((resolve, reject) => (settleCaughtUp = { resolve, reject }));
  // A subscriber that never awaits `caughtUp` must not crash the process when it rejects.
  caughtUp.catch(() => {});

  // The client awaits this before pushing the events after the checkpoint,
  // and has pushed those before it: wait until the pump has handed them all
  // over (a macrotask first, so an event the iterator already took is in the
  // batch), then report the position if it is past the last delivered event.
  const checkpointReached = (_: AllStreamSubscription, position: Position) =>
    reachedPosition(position, true);
  const reachedPosition = async (position: Position, report: boolean) => {
    await new Promise((resolve) => setImmediate(resolve));
    while (!stopped && (delivering || batch.length > 0 || source.readableLength > 0))
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    if (stopped) return;
    const reached = encodePosition(position);
    // Nothing new if delivering or an earlier report already got this far.
    if ([delivered, searched].some((p) => p !== undefined && comparePositions(reached, p) <= 0))
      return;
    if (report) await options.onSkipped?.(reached);
    searched = reached;
    await checkCaughtUp();
  };

  const source: AllStreamSubscription = client.subscribeToAll({
    fromPosition: options.after === undefined ? START : decodePosition(options.after),
    filter: serverFilter(filter, checkpointReached),
  });

  // Servers that say when history is delivered give the position it ended at.
  // It counts towards caughtUp but is not reported: the client does not wait
  // for this listener, so onSkipped could overlap the handler.
  if (filter)
    source.on('caughtUp', ({ position }) => {
      if (position)
        reachedPosition(position, false).catch((error: unknown) => source.destroy(error as Error));
    });

  // The head when we subscribed: reaching it means history has been delivered.
  const target = headPosition();
  const reachedHead = (head: string, position: string | undefined) =>
    position !== undefined && comparePositions(position, head) >= 0;
  const checkCaughtUp = async () => {
    const head = await target;
    if (head === null || reachedHead(head, delivered) || reachedHead(head, searched)) {
      settleCaughtUp?.resolve();
    }
  };

  const deliver = async (ready: RecordedEvent[]) => {
    delivering = true;
    try {
      await options.handler(ready);
      delivered = ready[ready.length - 1]!.position;
      await checkCaughtUp();
    } finally {
      delivering = false;
    }
  };

  const wakeIdleWaiters = () => {
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((wake) => wake());
  };

  const pump = async () => {
    await checkCaughtUp();
    for await (const resolved of source as AsyncIterable<AllStreamResolvedEvent>) {
      if (stopped) break;
      const event = resolved.event;
      if (!event || isSystemEvent(event)) continue;
      const recorded = toRecordedEvent(event, event.position);
      // The checkpoint is exclusive; never hand over what was already delivered.
      if (delivered !== undefined && comparePositions(recorded.position, delivered) <= 0) continue;
      if (filter === null || matchesFilter(filter, recorded)) batch.push(recorded);
      // Hand over a batch when it is full or nothing more is buffered right now.
      if (batch.length >= batchSize || (batch.length > 0 && source.readableLength === 0)) {
        const ready = batch;
        batch = [];
        await deliver(ready);
      }
      if (source.readableLength === 0) wakeIdleWaiters();
    }
  };

  const running = pump().catch(async (error: unknown) => {
    if (stopped) return;
    stopped = true;
    wakeIdleWaiters();
    settleCaughtUp?.reject(error);
    await source.unsubscribe().catch(() => {});
    options.onError?.(error);
  });

  return {
    caughtUp,
    async stop() {
      stopped = true;
      wakeIdleWaiters();
      // Unsubscribing twice (after a failure) or from a dropped connection is harmless.
      await source.unsubscribe().catch(() => {});
      await running;
      // No effect once caught up; otherwise waiters learn it will not happen.
      settleCaughtUp?.reject(new Error('subscription stopped before catching up'));
    },
  };
}
