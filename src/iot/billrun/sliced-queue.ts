// Work that would block the event loop if done in one pass, done a slice at
// a time: each slice runs in its own turn of the loop (setImmediate) for at
// most a time budget, so sockets, timers and database replies are served
// between slices. A gateway's fan-out sends its `read` frames this way:
// 10,000 in one pass blocked its loop for 1.5 s, holding back the answers,
// acks and appends that could flow meanwhile. The budget is time, not a
// count of items: a slower machine sends fewer per slice, not longer slices.

/** Items handled between two looks at the clock. */
const CLOCK_EVERY = 16;

export class SlicedQueue<T> {
  private items: T[] = [];
  private next: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    /** Longest stretch of one slice (ms); at least one item is handled per slice. */
    private readonly budgetMs: number,
    private readonly handle: (item: T) => void,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!Number.isFinite(budgetMs) || budgetMs <= 0)
      throw new RangeError(`a slice's budget must be a positive number of ms, got ${budgetMs}`);
  }

  /** Queues an item; it is handled in a later turn of the loop, in the order queued. */
  push(item: T): void {
    if (this.stopped) return;
    this.items.push(item);
    this.next ??= setImmediate(() => this.slice());
  }

  /** Drops what is queued; later pushes are ignored. */
  stop(): void {
    this.stopped = true;
    clearImmediate(this.next);
    this.items = [];
  }

  private slice(): void {
    this.next = undefined;
    const items = this.items;
    const started = this.clock();
    let done = 0;
    while (done < items.length && !this.stopped) {
      this.handle(items[done++]!);
      if (done % CLOCK_EVERY === 0 && this.clock() - started >= this.budgetMs) break;
    }
    if (this.stopped) return;
    // Items pushed while handling went to the end of the same array.
    this.items = items.slice(done);
    if (this.items.length > 0) this.next = setImmediate(() => this.slice());
  }
}
