import { describe, expect, it } from 'vitest';
import { catchUpSubscription, type LogReader } from '../../src/eventstore/catch-up.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { eventually, sleep } from './contract-fixtures.ts';

describe('catchUpSubscription', () => {
  it('delivers the log in order, in batches, and resolves caughtUp at the head it saw', async () => {
    const log = fakeLog(23);
    const batches: number[][] = [];
    const subscription = catchUpSubscription(
      log,
      { batchSize: 5, handler: async (events) => void batches.push(events.map((e) => e.revision)) },
      { pollIntervalMs: 60_000 },
    );
    await subscription.caughtUp;
    await subscription.stop();
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
    expect(batches.flat()).toEqual(range(23));
  });

  it('starts after a checkpoint and picks up new events when woken', async () => {
    const log = fakeLog(10);
    let wake = () => {};
    const seen: number[] = [];
    const subscription = catchUpSubscription(
      log,
      {
        after: pos(6),
        handler: async (events) => void seen.push(...events.map((e) => e.revision)),
      },
      { pollIntervalMs: 60_000, onWake: (w) => ((wake = w), () => {}) },
    );
    await subscription.caughtUp;
    expect(seen).toEqual([7, 8, 9]);
    log.add(2);
    wake();
    await eventually(() => seen.length === 5, 2000);
    await subscription.stop();
    expect(seen).toEqual([7, 8, 9, 10, 11]);
  });

  it('falls back to polling when no wake-up comes', async () => {
    const log = fakeLog(0);
    const seen: number[] = [];
    const subscription = catchUpSubscription(
      log,
      { handler: async (events) => void seen.push(...events.map((e) => e.revision)) },
      { pollIntervalMs: 20 },
    );
    await subscription.caughtUp; // empty log: nothing to catch up on
    log.add(3);
    await eventually(() => seen.length === 3, 2000);
    await subscription.stop();
    expect(seen).toEqual([0, 1, 2]);
  });

  it('lets stop wait for the batch in flight, then delivers nothing more', async () => {
    const log = fakeLog(10);
    let handled = 0;
    let calls = 0;
    const subscription = catchUpSubscription(
      log,
      {
        batchSize: 2,
        handler: async (events) => {
          calls += 1;
          await sleep(50);
          handled += events.length;
        },
      },
      { pollIntervalMs: 60_000 },
    );
    await eventually(() => calls === 1);
    await subscription.stop();
    expect(handled).toBe(2);
    await sleep(80);
    expect(calls).toBe(1);
    await expect(subscription.caughtUp).rejects.toThrow('stopped before catching up');
  });

  it('stops and reports when reading fails', async () => {
    const failure = new Error('connection lost');
    const reader: LogReader = {
      ...fakeLog(3),
      readAll: async () => {
        throw failure;
      },
    };
    let reported: unknown;
    const subscription = catchUpSubscription(
      reader,
      { handler: async () => {}, onError: (error) => (reported = error) },
      { pollIntervalMs: 10 },
    );
    await expect(subscription.caughtUp).rejects.toBe(failure);
    await subscription.stop();
    expect(reported).toBe(failure);
  });
});

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const pos = (n: number) => String(n).padStart(8, '0');

function fakeLog(count: number): LogReader & { add(n: number): void } {
  const events: RecordedEvent[] = [];
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      const revision = events.length;
      events.push({
        id: `id-${revision}`,
        stream: 'meter-1',
        revision,
        position: pos(revision),
        type: 'T',
        data: {},
        metadata: {},
        recordedAt: new Date(0),
        prevHash: '',
        hash: '',
      });
    }
  };
  add(count);
  return {
    add,
    async readAll({ after, limit }) {
      return events.filter((e) => after === undefined || e.position > after).slice(0, limit);
    },
    async headPosition() {
      return events.length === 0 ? null : events[events.length - 1]!.position;
    },
    comparePositions: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  };
}
