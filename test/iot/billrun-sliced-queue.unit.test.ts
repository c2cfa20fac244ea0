// SlicedQueue (src/iot/billrun/sliced-queue.ts): a gateway's `read` frames go
// out a slice per turn of the event loop, so timers and sockets are served
// between slices; items keep their order, and stop drops what is queued.

import { describe, expect, it } from 'vitest';
import { SlicedQueue } from '../../src/iot/billrun/sliced-queue.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SlicedQueue', () => {
  it('handles a slice per turn of the loop, in order, letting other work run between', async () => {
    const log: string[] = [];
    const queue = new SlicedQueue<number>(3, (n) => log.push(`item ${n}`));
    for (let i = 0; i < 7; i++) queue.push(i);
    expect(log).toEqual([]);
    // Other work queued meanwhile (an answer's callback, say) runs between slices.
    setImmediate(() => log.push('other'));
    for (let i = 0; i < 4; i++) await turn();
    expect(log).toEqual([
      ...['item 0', 'item 1', 'item 2'],
      'other',
      ...['item 3', 'item 4', 'item 5'],
      'item 6',
    ]);
  });

  it('drops what is queued when stopped and ignores later pushes', async () => {
    const handled: number[] = [];
    const queue = new SlicedQueue<number>(2, (n) => handled.push(n));
    for (let i = 0; i < 5; i++) queue.push(i);
    await turn();
    queue.stop();
    queue.push(9);
    for (let i = 0; i < 3; i++) await turn();
    expect(handled).toEqual([0, 1]);
  });

  it('refuses a slice size that is not a positive integer', () => {
    expect(() => new SlicedQueue(0, () => {})).toThrow(/positive integer/);
    expect(() => new SlicedQueue(1.5, () => {})).toThrow(/positive integer/);
  });
});
