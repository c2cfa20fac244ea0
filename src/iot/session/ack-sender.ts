// How a session acks its stored readings: one `ack` frame each, as in the
// first protocol version, until the meter sends a `readings` frame; from then
// on stored readings answered together leave as one `acks` frame (up to 16).
// Anything else the session sends flushes the acks first, so an error or any
// other frame never overtakes the ack of a reading answered before it.

import { Limits } from '../protocol/constants.ts';
import type { Message } from '../protocol/messages.ts';

export class AckSender {
  private batched = false;
  /** Seqs of stored readings answered but not acked yet (batched only), in order. */
  private readonly pending: number[] = [];

  constructor(private readonly send: (m: Message) => void) {}

  /** The meter sent a `readings` frame: it takes `acks` frames from now on. */
  batch(): void {
    this.batched = true;
  }

  stored(seq: number): void {
    if (!this.batched) {
      this.send({ type: 'ack', seq });
      return;
    }
    // A group commit resolves its readings' promises in one loop, so their
    // answers run back to back in one microtask checkpoint: a flush queued
    // behind the first runs after the last and sends them in one frame.
    const pending = this.pending.push(seq);
    if (pending === 1) queueMicrotask(this.flush);
    else if (pending === Limits.maxReadingsPerFrame) this.flush();
  }

  /** Sends the acks not sent yet; a no-op when there are none. */
  readonly flush = (): void => {
    if (this.pending.length === 0) return;
    this.send({ type: 'acks', seqs: this.pending });
    this.pending.length = 0;
  };
}
