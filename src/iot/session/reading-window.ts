// The readings of one session between their frame and their answer, in
// arrival order. Each is verified at once (verifications of a window
// overlap); it goes to storage only once every earlier one went or was
// refused, so storage sees arrival order; answers leave strictly in arrival
// order. Driven by callbacks on one list rather than chains of promises: a
// reading costs two promise reactions (its verification, its storage), not a
// dozen, which showed as garbage-collection time at thousands a second.

import type { Reading } from '../protocol/canonical.ts';
import type { ProtocolErrorCode } from '../protocol/errors.ts';
import type { SinkResult } from './ports.ts';

/** How a reading ended: stored (ack), refused with a code, or dropped by a closed session. */
export type ReadingOutcome = 'stored' | { code: ProtocolErrorCode; message: string } | null;

export interface ReadingWindowHooks {
  /** False once the session closed: readings not yet handed over are then dropped. */
  isOpen(): boolean;
  /** Hands a verified reading to storage; resolves to what storage made of it. */
  store(reading: Reading, signature: Uint8Array): Promise<SinkResult>;
  /** Sends a reading's answer; called in arrival order. */
  answer(seq: number, outcome: ReadingOutcome): void;
}

interface InProgress {
  seq: number;
  reading: Reading | undefined;
  signature: Uint8Array | undefined;
  /** The signature check: undefined while running, 'failed' if the verifier failed. */
  verdict: boolean | 'failed' | undefined;
  handedOver: boolean;
  /** Known once storage (or a refusal) decided; undefined until then. */
  outcome: ReadingOutcome | undefined;
}

const UNAVAILABLE = (message: string): ReadingOutcome => ({ code: 'UNAVAILABLE', message });

export class ReadingWindow {
  private readonly entries: InProgress[] = [];
  private readonly slotWaiters: (() => void)[] = [];
  private readonly settledWaiters: (() => void)[] = [];

  private readonly limit: number;

  constructor(
    /**
     * Readings in progress at once; the next frame waits while this many are.
     * A frame of several readings is taken whole, even past this size.
     */
    size: number,
    private readonly hooks: ReadingWindowHooks,
  ) {
    this.limit = Math.max(1, size);
  }

  /** A reading refused before verification (rate limit, clock skew), answered in its turn. */
  refuse(seq: number, code: ProtocolErrorCode, message: string): void {
    this.entries.push({
      seq,
      reading: undefined,
      signature: undefined,
      verdict: false,
      handedOver: true,
      outcome: { code, message },
    });
    this.advance();
  }

  /** A reading whose signature check `verified` is running. */
  add(reading: Reading, signature: Uint8Array, verified: Promise<boolean>): void {
    const entry: InProgress = {
      seq: reading.seq,
      reading,
      signature,
      verdict: undefined,
      handedOver: false,
      outcome: undefined,
    };
    this.entries.push(entry);
    verified.then(
      (ok) => {
        entry.verdict = ok;
        this.advance();
      },
      () => {
        entry.verdict = 'failed';
        this.advance();
      },
    );
  }

  /**
   * Backpressure on frames: undefined while fewer than `size` readings are in
   * progress, else a promise that resolves once that is so again.
   */
  room(): Promise<void> | undefined {
    if (this.entries.length < this.limit) return undefined;
    // One promise, no async loop: under load most frames fill the window again.
    // A waiter is woken only once fewer than `size` readings are in progress,
    // and nothing is added while the one caller waits, so it finds room.
    return new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  /** Resolves once every reading taken so far has been answered (or dropped by a close). */
  settled(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private advance(): void {
    // Hand over, in order, every reading whose check is done, up to the first still checking.
    for (const entry of this.entries) {
      if (entry.handedOver) continue;
      if (entry.verdict === undefined) break;
      entry.handedOver = true;
      this.handOver(entry);
    }
    // Answer from the oldest, up to the first whose outcome is not known yet.
    while (this.entries.length > 0 && this.entries[0]!.outcome !== undefined) {
      const entry = this.entries.shift()!;
      this.hooks.answer(entry.seq, entry.outcome!);
      // A batch may have taken the window past its size: wake only once there is room.
      if (this.entries.length < this.limit) this.slotWaiters.shift()?.();
    }
    if (this.entries.length === 0) this.settledWaiters.splice(0).forEach((resolve) => resolve());
  }

  private handOver(entry: InProgress): void {
    const { reading, signature, verdict } = entry;
    entry.reading = undefined;
    entry.signature = undefined;
    if (!this.hooks.isOpen()) entry.outcome = null;
    else if (verdict === 'failed') entry.outcome = UNAVAILABLE('verification unavailable');
    else if (!verdict)
      entry.outcome = { code: 'BAD_SIGNATURE', message: 'reading signature does not verify' };
    else {
      let stored: Promise<SinkResult>;
      try {
        stored = this.hooks.store(reading!, signature!);
      } catch {
        entry.outcome = UNAVAILABLE('reading refused');
        return;
      }
      stored.then(
        (result) => {
          entry.outcome = result.ok ? 'stored' : { code: result.code, message: 'reading refused' };
          this.advance();
        },
        () => {
          entry.outcome = UNAVAILABLE('reading refused');
          this.advance();
        },
      );
    }
  }
}
