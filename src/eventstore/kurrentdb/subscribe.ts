// Catch-up subscriptions on KurrentDB: `subscribeToAll` from a checkpoint
// reads history and then switches to live events by itself; this module turns
// its stream of single events into the port's ordered batches, handing the
// next batch over only after the handler's promise settles.

import {
  excludeSystemEvents,
  START,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../port.ts';
import { isSystemEvent, toRecordedEvent } from './events.ts';
import { comparePositions, decodePosition } from './positions.ts';

export function subscribeToKurrent(
  client: KurrentDBClient,
  options: SubscribeOptions,
  headPosition: () => Promise<string | null>,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  let delivered = options.after;
  let stopped = false;
  let settleCaughtUp: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const caughtUp = new Promise<void>((resolve, reject) => (settleCaughtUp = { resolve, reject }));
  // A subscriber that never awaits `caughtUp` must not crash the process when it rejects.
  caughtUp.catch(() => {});

  const source: AllStreamSubscription = client.subscribeToAll({
    fromPosition: options.after === undefined ? START : decodePosition(options.after),
    filter: excludeSystemEvents(),
  });

  // The head when we subscribed: reaching it means history has been delivered.
  const target = headPosition();
  const checkCaughtUp = async () => {
    const head = await target;
    if (head === null || (delivered !== undefined && comparePositions(delivered, head) >= 0)) {
      settleCaughtUp?.resolve();
    }
  };

  const deliver = async (batch: RecordedEvent[]) => {
    await options.handler(batch);
    delivered = batch[batch.length - 1]!.position;
    await checkCaughtUp();
  };

  const pump = async () => {
    await checkCaughtUp();
    let batch: RecordedEvent[] = [];
    for await (const resolved of source as AsyncIterable<AllStreamResolvedEvent>) {
      if (stopped) break;
      const event = resolved.event;
      if (!event || isSystemEvent(event)) continue;
      const recorded = toRecordedEvent(event, event.position);
      // The checkpoint is exclusive; never hand over what was already delivered.
      if (delivered !== undefined && comparePositions(recorded.position, delivered) <= 0) continue;
      batch.push(recorded);
      // Hand over a batch when it is full or nothing more is buffered right now.
      if (batch.length >= batchSize || source.readableLength === 0) {
        const ready = batch;
        batch = [];
        await deliver(ready);
      }
    }
  };

  const running = pump().catch(async (error: unknown) => {
    if (stopped) return;
    stopped = true;
    settleCaughtUp?.reject(error);
    await source.unsubscribe().catch(() => {});
    options.onError?.(error);
  });

  return {
    caughtUp,
    async stop() {
      stopped = true;
      // Unsubscribing twice (after a failure) or from a dropped connection is harmless.
      await source.unsubscribe().catch(() => {});
      await running;
      // No effect once caught up; otherwise waiters learn it will not happen.
      settleCaughtUp?.reject(new Error('subscription stopped before catching up'));
    },
  };
}
