// Contract: subscriptions deliver every event exactly once, in log order,
// across concurrent and late-committing writers and across restarts.

import { expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import type { FixtureRef } from './contract-fixtures.ts';
import {
  eventually,
  newEvent,
  newEvents,
  readableUpTo,
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
    const mine = new Set([lateStream]);
    const lateWriter = appendHeldOpen
      ? appendHeldOpen(lateStream, [late], 1000)
      : sleep(1000).then(() => store.append(lateStream, [late]).then(() => undefined));
    await sleep(100); // let the late writer insert (and take its transaction id) first
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const stream = streamName(`writer${w}`);
      mine.add(stream);
      for (let i = 0; i < 5; i++) await store.append(stream, newEvents(3));
    });
    await Promise.all([lateWriter, ...writers]);

    const expected = 8 * 5 * 3 + 1;
    const ours = () => seen.filter((e) => mine.has(e.stream));
    await eventually(() => ours().length >= expected, 15_000);
    await sleep(200); // a duplicate would arrive after the count is reached
    await subscription.stop();

    // The log may hold earlier tests' events that became readable only after
    // `start` (see readableUpTo); this test's own streams are what it checks.
    const log = (await readWholeLog(store)).filter((e) => mine.has(e.stream));
    expect(ours()).toHaveLength(expected);
    expect(ids(ours())).toContain(late.id);
    expect(ids(ours())).toEqual(ids(log));
    expect(new Set(ids(seen)).size).toBe(seen.length);
    const positions = seen.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((x, y) => store.comparePositions(x, y)));
  });

  it('resumes from a stored checkpoint after stopping mid-stream, losing and repeating nothing', async () => {
    const { store } = fixture();
    const start = await store.headPosition();
    const stream = streamName();
    const written = await store.append(stream, newEvents(60));
    await readableUpTo(store, written.position);
    const from = start === null ? {} : { after: start };

    const firstRun: RecordedEvent[] = [];
    let checkpoint: string | undefined;
    const first = store.subscribe({
      ...from,
      batchSize: 10,
      handler: async (events) => {
        firstRun.push(...events);
        checkpoint = events[events.length - 1]!.position; // "stored" with the batch
        if (firstRun.filter((e) => e.stream === stream).length >= 20) void first.stop();
        await sleep(5);
      },
    });
    const ofStream = (events: RecordedEvent[]) => events.filter((e) => e.stream === stream);
    await eventually(() => ofStream(firstRun).length >= 20);
    await first.stop();
    expect(ofStream(firstRun).length).toBeLessThan(60);

    await store.append(stream, newEvents(5)); // written while "the process" was down
    const secondRun: RecordedEvent[] = [];
    const second = store.subscribe({
      after: checkpoint!,
      batchSize: 10,
      handler: async (events) => {
        secondRun.push(...events);
      },
    });
    await eventually(() => ofStream(firstRun).length + ofStream(secondRun).length >= 65);
    await sleep(100);
    await second.stop();

    const all = [...firstRun, ...secondRun];
    expect(new Set(ids(all)).size).toBe(all.length);
    const revisions = all.filter((e) => e.stream === stream).map((e) => e.revision);
    expect(revisions).toEqual(Array.from({ length: 65 }, (_, i) => i));
  });

  it('resolves caughtUp at the head it saw and lets stop wait for the batch in flight', async () => {
    const { store } = fixture();
    const start = await store.headPosition();
    const stream = streamName();
    const written = await store.append(stream, newEvents(12));
    await readableUpTo(store, written.position);

    let handled = 0;
    let inFlight = false;
    const subscription = store.subscribe({
      ...(start === null ? {} : { after: start }),
      batchSize: 5,
      handler: async (events) => {
        inFlight = true;
        await sleep(80);
        handled += events.filter((e) => e.stream === stream).length;
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
