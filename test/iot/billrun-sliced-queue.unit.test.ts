// SlicedQueue (src/iot/billrun/sliced-queue.ts): a gateway's `read` frames go
// out a slice per turn of the event loop, each slice at most a time budget
// long, so timers and sockets are served between slices; items keep their
// order, and stop drops what is queued.

import { describe, expect, it } from 'vitest';
import { SlicedQueue } from '../../src/iot/billrun/sliced-queue.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SlicedQueue', () => {
  it('handles items for at most its budget per turn, in order, letting other work run between', async () => {
    // Each item takes 1 ms of a fake clock; a 20 ms budget ends a slice at the
    // first look at the clock (every 16 items) past 20 ms: 32 items a slice.
    let now = 0;
    const log: string[] = [];
    const queue = new SlicedQueue<number>(
      20,
      (n) => {
        now += 1;
        log.push(`item ${n}`);
      },
      () => now,
    );
    for (let i = 0; i < 70; i++) queue.push(i);
    expect(log).toEqual([]);
    // Other work queued meanwhile (an answer's callback, say) runs between slices.
    setImmediate(() => log.push('other'));
    for (let i = 0; i < 4; i++) await turn();
    const items = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => `item ${from + k}`);
    expect(log).toEqual([...items(0, 32), 'other', ...items(32, 64), ...items(64, 70)]);
  });

  it('keeps items pushed while a slice runs, after those already queued', async () => {
    const handled: number[] = [];
    const queue = new SlicedQueue<number>(50, (n) => {
      handled.push(n);
      if (n < 3) queue.push(n + 10);
    });
    for (let i = 0; i < 3; i++) queue.push(i);
    for (let i = 0; i < 3; i++) await turn();
    expect(handled).toEqual([0, 1, 2, 10, 11, 12]);
  });

  it('drops what is queued when stopped and ignores later pushes', async () => {
    let now = 0;
    const handled: number[] = [];
    const queue = new SlicedQueue<number>(
      1,
      (n) => {
        now += 1;
        handled.push(n);
      },
      () => now,
    );
    for (let i = 0; i < 40; i++) queue.push(i);
    await turn();
    queue.stop();
    queue.push(99);
    for (let i = 0; i < 3; i++) await turn();
    expect(handled).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('refuses a budget that is not a positive number of ms', () => {
    expect(() => new SlicedQueue(0, () => {})).toThrow(/positive number/);
    expect(() => new SlicedQueue(Number.NaN, () => {})).toThrow(/positive number/);
  });
});
