// Work that would block the event loop if done in one pass, done a slice at
// a time: each slice runs in its own turn of the loop (setImmediate), so
// sockets, timers and database replies are served between slices. A
// gateway's fan-out sends its `read` frames this way: 10,000 in one pass
// blocked its loop for 1.5 s, holding back the answers, acks and appends
// that could flow meanwhile.

export class SlicedQueue<T> {
  private items: T[] = [];
  private next: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    private readonly sliceSize: number,
    private readonly handle: (item: T) => void,
  ) {
    if (!Number.isSafeInteger(sliceSize) || sliceSize < 1)
      throw new RangeError(`slice size must be a positive integer, got ${sliceSize}`);
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
    const slice = this.items.slice(0, this.sliceSize);
    this.items = this.items.slice(this.sliceSize);
    for (const item of slice) this.handle(item);
    if (this.items.length > 0 && !this.stopped) this.next = setImmediate(() => this.slice());
  }
}
