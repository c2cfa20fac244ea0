// Contract: subscriptions deliver every event exactly once, in log order,
// across concurrent and late-committing writers and across restarts.

import { expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import type { FixtureRef } from './contract-fixtures.ts';
import {
  eventually,
  newEvent,
  newEvents,
  readWholeLog,
  sleep,
  streamName,
} from './contract-fixtures.ts';

const ids = (events: RecordedEvent[]) => events.map((e) => e.id);

export function subscribeContract(fixture: FixtureRef): void {
  it('delivers every event once, in log order, while 8 writers append and one commits late', async () => {
    const { store, appendHeldOpen } = fixture();
    const start = await store.headPosition();
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribe({
      ...(start === null ? {} : { after: start }),
      batchSize: 7,
      handler: async (events) => {
        seen.push(...events);
      },
    });

    const late = newEvent('LateCommitted');
    const lateStream = streamName('late');
    const lateWriter = appendHeldOpen
      ? appendHeldOpen(lateStream, [late], 1000)
      : sleep(1000).then(() => store.append(lateStream, [late]).then(() => undefined));
    await sleep(100); // let the late writer insert (and take its transaction id) first
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const stream = streamName(`writer${w}`);
      for (let i = 0; i < 5; i++) await store.append(stream, newEvents(3));
    });
    await Promise.all([lateWriter, ...writers]);

    const expected = 8 * 5 * 3 + 1;
    await eventually(() => seen.length >= expected, 15_000);
    await sleep(200); // a duplicate would arrive after the count is reached
    await subscription.stop();

    const log = await readWholeLog(store);
    const logAfterStart =
      start === null ? log : log.filter((e) => store.comparePositions(e.position, start) > 0);
    expect(seen).toHaveLength(expected);
    expect(new Set(ids(seen)).size).toBe(expected);
    expect(ids(seen)).toContain(late.id);
    expect(ids(seen)).toEqual(ids(logAfterStart));
  });

  it('resumes from a stored checkpoint after stopping mid-stream, losing and repeating nothing', async () => {
    const { store } = fixture();
    const start = await store.headPosition();
    const stream = streamName();
    await store.append(stream, newEvents(60));
    const from = start === null ? {} : { after: start };

    const firstRun: RecordedEvent[] = [];
    let checkpoint: string | undefined;
    const first = store.subscribe({
      ...from,
      batchSize: 10,
      handler: async (events) => {
        firstRun.push(...events);
        checkpoint = events[events.length - 1]!.position; // "stored" with the batch
        if (firstRun.length >= 20) void first.stop();
        await sleep(5);
      },
    });
    await eventually(() => firstRun.length >= 20);
    await first.stop();
    expect(firstRun.length).toBeLessThan(60);

    await store.append(stream, newEvents(5)); // written while "the process" was down
    const secondRun: RecordedEvent[] = [];
    const second = store.subscribe({
      after: checkpoint!,
      batchSize: 10,
      handler: async (events) => {
        secondRun.push(...events);
      },
    });
    await eventually(() => firstRun.length + secondRun.length >= 65);
    await sleep(100);
    await second.stop();

    const all = [...firstRun, ...secondRun];
    expect(all.map((e) => e.revision)).toEqual(Array.from({ length: 65 }, (_, i) => i));
  });

  it('resolves caughtUp at the head it saw and lets stop wait for the batch in flight', async () => {
    const { store } = fixture();
    const start = await store.headPosition();
    const stream = streamName();
    await store.append(stream, newEvents(12));
    const head = await store.headPosition();

    let handled = 0;
    let inFlight = false;
    const subscription = store.subscribe({
      ...(start === null ? {} : { after: start }),
      batchSize: 5,
      handler: async (events) => {
        inFlight = true;
        await sleep(80);
        handled += events.length;
        inFlight = false;
      },
    });
    await subscription.caughtUp;
    expect(handled).toBe(12);

    await store.append(stream, [newEvent()]);
    await eventually(() => inFlight);
    await subscription.stop();
    expect(inFlight).toBe(false);
    expect(handled).toBe(13);
    expect(head).not.toBeNull();
  });

  it('stops and reports when the handler fails', async () => {
    const { store } = fixture();
    await store.append(streamName(), [newEvent()]);
    const failure = new Error('projection broke');
    let reported: unknown;
    let calls = 0;
    const subscription = store.subscribe({
      handler: async () => {
        calls += 1;
        throw failure;
      },
      onError: (error) => {
        reported = error;
      },
    });
    await expect(subscription.caughtUp).rejects.toBe(failure);
    await subscription.stop();
    expect(reported).toBe(failure);
    expect(calls).toBe(1);
  });
}
