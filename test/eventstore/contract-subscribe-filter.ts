// Contract: filtered subscriptions (stream prefixes, event types) deliver
// exactly the matching events, once, in log order (late committers included),
// still reach caughtUp when the log ends with left-out events, step past those
// once (never re-reading them), and refuse malformed filters at once.

import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { EventStoreError } from '../../src/eventstore/errors.ts';
import type { RecordedEvent, SubscribeOptions } from '../../src/eventstore/port.ts';
import type { FixtureRef } from './contract-fixtures.ts';
import {
  eventually,
  newEvent,
  newEvents,
  readableUpTo,
  readWholeLog,
  sleep,
} from './contract-fixtures.ts';

const ids = (events: RecordedEvent[]) => events.map((e) => e.id);
/** A category no other test writes to, so its prefix matches only this test's streams. */
const category = (name: string) => `${name}${randomUUID().slice(0, 8)}`;

export function subscribeFilterContract(fixture: FixtureRef): void {
  it('delivers only the streams of its prefixes, once, in log order, a late committer included', async () => {
    const { store, appendHeldOpen } = fixture();
    const start = await store.headPosition();
    const [wanted, also, other] = [category('wanted'), category('also'), category('other')];
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribe({
      ...(start === null ? {} : { after: start }),
      batchSize: 4,
      streamPrefixes: [`${wanted}-`, `${also}-`],
      handler: async (events) => void seen.push(...events),
    });

    const late = newEvent('LateCommitted');
    const lateWriter = appendHeldOpen
      ? appendHeldOpen(`${wanted}-late`, [late], 800)
      : sleep(800).then(() => store.append(`${wanted}-late`, [late]).then(() => undefined));
    await sleep(100); // the late writer takes its transaction id first
    const writers = Array.from({ length: 6 }, async (_, w) => {
      const stream = `${[wanted, also, other][w % 3]}-w${w}`;
      for (let i = 0; i < 4; i++) await store.append(stream, newEvents(3));
    });
    await Promise.all([lateWriter, ...writers]);
    const tail = await store.append(`${other}-tail`, newEvents(5)); // the log ends left out

    const expected = 4 * 4 * 3 + 1;
    await eventually(() => seen.length >= expected, 15_000);
    await readableUpTo(store, tail.position);
    await sleep(300); // a duplicate or a left-out event would arrive by now
    await subscription.stop();

    const matches = (e: RecordedEvent) =>
      e.stream.startsWith(`${wanted}-`) || e.stream.startsWith(`${also}-`);
    const log = (await readWholeLog(store)).filter(matches);
    expect(seen.every(matches)).toBe(true);
    expect(seen).toHaveLength(expected);
    expect(ids(seen)).toContain(late.id);
    expect(ids(seen)).toEqual(ids(log));
    expect(seen.map((e) => e.data)).toEqual(log.map((e) => e.data));
  });

  it('filters on event types, alone or with prefixes (an event must match both)', async () => {
    const { store } = fixture();
    const start = await store.headPosition();
    const [mine, theirs] = [category('types'), category('types')];
    await store.append(`${mine}-a`, [newEvent('Kept'), newEvent('Dropped'), newEvent('Also')]);
    await store.append(`${theirs}-b`, [newEvent('Kept'), newEvent('Dropped')]);
    const written = await store.append(`${mine}-c`, [newEvent('Kept')]);
    await readableUpTo(store, written.position);

    const collect = async (filter: Partial<SubscribeOptions>) => {
      const got: RecordedEvent[] = [];
      const subscription = store.subscribe({
        ...(start === null ? {} : { after: start }),
        ...filter,
        handler: async (events) => void got.push(...events),
      });
      await subscription.caughtUp;
      await subscription.stop();
      return got
        .filter((e) => e.stream.startsWith(mine) || e.stream.startsWith(theirs))
        .map((e) => `${e.stream.startsWith(mine) ? 'mine' : 'theirs'}:${e.type}`);
    };
    expect(await collect({ eventTypes: ['Kept', 'Also'] })).toEqual([
      'mine:Kept',
      'mine:Also',
      'theirs:Kept',
      'mine:Kept',
    ]);
    expect(await collect({ eventTypes: ['Kept'], streamPrefixes: [`${mine}-`] })).toEqual([
      'mine:Kept',
      'mine:Kept',
    ]);
  });

  it('reaches caughtUp when the log ends with left-out events, and steps past them once', async () => {
    const { store } = fixture();
    const wanted = category('head');
    await store.append(`${wanted}-a`, newEvents(2));
    const written = await store.append(`${category('noise')}-b`, newEvents(30));
    await readableUpTo(store, written.position);

    const skippedTo: string[] = [];
    let delivered = 0;
    const subscription = store.subscribe({
      streamPrefixes: [`${wanted}-`],
      batchSize: 5,
      handler: async (events) => void (delivered += events.length),
      onSkipped: async (position) => void skippedTo.push(position),
    });
    await subscription.caughtUp;
    expect(delivered).toBe(2);
    // The last page's left-out tail was reported, as far as the head at least.
    expect(skippedTo.length).toBeGreaterThan(0);
    expect(store.comparePositions(skippedTo.at(-1)!, written.position)).toBeGreaterThanOrEqual(0);
    await sleep(700); // several polling intervals with nothing new
    await subscription.stop();
    // Every report moved forward: nothing was read twice, however often it polled.
    for (let i = 1; i < skippedTo.length; i++)
      expect(store.comparePositions(skippedTo[i]!, skippedTo[i - 1]!)).toBeGreaterThan(0);
    expect(delivered).toBe(2);
  });

  it('treats prefixes literally: LIKE wildcards in a prefix match only themselves', async () => {
    const { store } = fixture();
    const start = await store.headPosition();
    const tag = randomUUID().slice(0, 8);
    await store.append(`wx${tag}-a`, newEvents(2)); // `_` as a wildcard would match
    const written = await store.append(`w_${tag}-a`, newEvents(1));
    await readableUpTo(store, written.position);
    const got: RecordedEvent[] = [];
    const subscription = store.subscribe({
      ...(start === null ? {} : { after: start }),
      streamPrefixes: [`w_${tag}-`],
      handler: async (events) => void got.push(...events),
    });
    await subscription.caughtUp;
    await subscription.stop();
    expect(got.map((e) => e.stream)).toEqual([`w_${tag}-a`]);
  });

  it('refuses malformed filters with INVALID_SUBSCRIPTION before reading anything', async () => {
    const { store } = fixture();
    const bad: Partial<SubscribeOptions>[] = [
      { streamPrefixes: [] },
      { streamPrefixes: [''] },
      { streamPrefixes: ['meter-', 7 as unknown as string] },
      { streamPrefixes: 'billrun-' as unknown as string[] },
      { eventTypes: [] },
      { eventTypes: [null as unknown as string] },
    ];
    for (const filter of bad) {
      let calls = 0;
      const subscribe = () =>
        store.subscribe({ ...filter, handler: async () => void (calls += 1) });
      expect(subscribe).toThrow(EventStoreError);
      try {
        subscribe();
      } catch (error) {
        expect((error as EventStoreError).code).toBe('INVALID_SUBSCRIPTION');
      }
      await sleep(20);
      expect(calls).toBe(0);
    }
  });
}
