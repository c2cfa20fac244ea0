// A meter client as firmware would run it: loads its key file and persistent
// seq, connects to its gateway, keeps reconnecting with backoff and jitter,
// sends signed readings and answers bill-run `read` requests. Readings not
// answered yet (sent before a drop, or taken while disconnected) stay in a
// backlog and go out again after the next handshake, in `readings` frames,
// paced to the gateway's limits (at most 16 unanswered, 20 readings/s) so a
// long backlog is neither refused RATE_LIMITED nor cut off for queued frames.
// The backlog is bounded: past `maxBacklog` the oldest reading is dropped
// (the register is cumulative, so later readings still carry the energy).

import WebSocket from 'ws';
import { Limits } from '../src/iot/protocol/constants.ts';
import { ProtocolError, type ProtocolErrorCode } from '../src/iot/protocol/errors.ts';
import { TokenBucket } from '../src/iot/session/rate-limit.ts';
import type { SignedEntry } from '../src/iot/protocol/messages.ts';
import {
  MeterSession,
  signEntry,
  type MeterEvent,
  type MeterIdentity,
} from '../src/iot/session/meter-session.ts';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.ts';
import { readMeterKeyFile } from './keys.ts';
import { SeqStore } from './seq-store.ts';

export interface MeterClientOptions {
  /** The gateway endpoint, e.g. wss://gw.example/iot/v1. */
  url: string;
  keyFile: string;
  seqFile: string;
  /** The cumulative register in Wh right now. */
  readRegister: () => number;
  clock?: () => number;
  backoff?: BackoffOptions;
  /** Give up on a connection that has not completed the handshake by then (default 15 s). */
  handshakeTimeoutMs?: number;
  /**
   * Give up on an established connection that has carried nothing, not even the
   * gateway's 30 s WebSocket pings, for this long (default 75 s): a half-open
   * TCP connection would otherwise never close.
   */
  silenceTimeoutMs?: number;
  random?: () => number;
  /** Readings kept unanswered at most (default 1,000); past it the oldest is dropped. */
  maxBacklog?: number;
  /** Everything the session reports, plus connection changes, for logs and tests. */
  onEvent?: (e: MeterClientEvent) => void;
}

export type MeterClientEvent =
  | MeterEvent
  | { type: 'disconnected'; code: number; reason: string; retryInMs: number }
  | { type: 'protocol-error'; code: ProtocolErrorCode };

/**
 * What became of one reading: stored (acked), refused with a code, unanswered
 * when the meter stopped, or dropped from a full backlog before an answer.
 */
export type ReadingOutcome =
  | { seq: number; result: 'ack' }
  | { seq: number; result: 'rejected'; code: ProtocolErrorCode }
  | { seq: number; result: 'disconnected' }
  | { seq: number; result: 'dropped' };

const DEFAULT_MAX_BACKLOG = 1000;
/** Readings sent and not answered at most: one full frame. */
const MAX_UNANSWERED = Limits.maxReadingsPerFrame;

export class MeterClient {
  private ws: WebSocket | undefined;
  private session: MeterSession | undefined;
  private attempt = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly pending = new Map<number, (o: ReadingOutcome) => void>();
  /** Signed readings not answered yet, in seq order: resent after every handshake. */
  private readonly backlog = new Map<number, SignedEntry>();
  /** Backlog readings sent in this session and not answered yet. */
  private readonly inFlight = new Set<number>();
  /** The gateway's per-session rate limit, kept on this side (section 8). */
  private bucket: TokenBucket | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;
  private connectedWaiters: (() => void)[] = [];

  private constructor(
    private readonly opts: MeterClientOptions,
    readonly identity: MeterIdentity,
    private readonly seq: SeqStore,
  ) {}

  static async create(opts: MeterClientOptions): Promise<MeterClient> {
    const [identity, seq] = await Promise.all([
      readMeterKeyFile(opts.keyFile),
      SeqStore.open(opts.seqFile),
    ]);
    return new MeterClient(opts, identity, seq);
  }

  get connected(): boolean {
    return this.session?.status === 'open';
  }

  get lastSeq(): number {
    return this.seq.lastUsed;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Resolves once a session is established (immediately if it is). */
  waitConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Readings signed and not answered yet (they go out again after the next handshake). */
  get backlogSize(): number {
    return this.backlog.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.pumpTimer);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'meter stopping');
      });
    }
    for (const seq of [...this.pending.keys()]) this.settle({ seq, result: 'disconnected' });
  }

  /**
   * Signs the current register and sends it (in seq order after any backlog),
   * or, while disconnected, keeps it for the next session; resolves when the
   * gateway acks or refuses it (or `disconnected` if the meter stops first,
   * `dropped` if the backlog overflows first).
   */
  async sendReading(requestId?: string): Promise<ReadingOutcome> {
    if (this.stopped || !this.ws) throw new Error('meter is not started');
    const seq = await this.seq.next();
    // Stopped while the seq was being persisted: nothing will send or answer it.
    if (this.stopped) return { seq, result: 'disconnected' };
    const now = (this.opts.clock ?? Date.now)();
    const reading = {
      meterId: this.identity.meterId,
      seq,
      registerWh: this.opts.readRegister(),
      readAt: now,
      ...(requestId === undefined ? {} : { requestId }),
    };
    const entry = signEntry(reading, this.identity.privateKey);
    const outcome = new Promise<ReadingOutcome>((resolve) => this.pending.set(seq, resolve));
    this.backlog.set(seq, entry);
    const max = this.opts.maxBacklog ?? DEFAULT_MAX_BACKLOG;
    while (this.backlog.size > max) {
      const oldest = this.backlog.keys().next().value!;
      this.settle({ seq: oldest, result: 'dropped' });
    }
    // Not connected (or the session dropped while the seq was being persisted):
    // it goes out with the backlog after the next handshake.
    this.pump();
    return outcome;
  }

  private settle(outcome: ReadingOutcome): void {
    this.backlog.delete(outcome.seq);
    this.inFlight.delete(outcome.seq);
    this.pending.get(outcome.seq)?.(outcome);
    this.pending.delete(outcome.seq);
  }

  /**
   * Sends the backlog's next unsent readings in seq order, one frame (`reading`
   * for one, `readings` for more) while fewer than 16 are unanswered and the
   * rate limit has tokens; called again by each answer, or by a timer while
   * the rate limit holds it back.
   */
  private pump(): void {
    const session = this.session;
    if (!this.ws || !this.bucket || session?.status !== 'open') return;
    clearTimeout(this.pumpTimer);
    const now = (this.opts.clock ?? Date.now)();
    const frame: SignedEntry[] = [];
    const seqs: number[] = [];
    for (const [seq, entry] of this.backlog) {
      if (this.inFlight.has(seq)) continue;
      if (this.inFlight.size + frame.length >= MAX_UNANSWERED) break;
      if (!this.bucket.take(now)) {
        this.pumpTimer = setTimeout(() => this.pump(), 1000 / Limits.ratePerSecond);
        break;
      }
      frame.push(entry);
      seqs.push(seq);
    }
    if (frame.length === 0) return;
    for (const seq of seqs) this.inFlight.add(seq);
    this.ws.send(
      frame.length === 1
        ? session.seal({ type: 'reading', ...frame[0]! })
        : session.sealReadings(frame),
    );
  }

  private connect(): void {
    const ws = new WebSocket(this.opts.url);
    const session = new MeterSession(this.identity);
    this.ws = ws;
    this.session = session;
    const feed = () => {
      clearTimeout(this.watchdog);
      const ms =
        session.status === 'open'
          ? (this.opts.silenceTimeoutMs ?? 75_000)
          : (this.opts.handshakeTimeoutMs ?? 15_000);
      this.watchdog = setTimeout(() => ws.terminate(), ms);
    };
    feed();
    ws.on('ping', feed);
    ws.on('message', (data: Buffer) => {
      try {
        const step = session.receive(new Uint8Array(data));
        for (const frame of step.send) ws.send(frame);
        if (step.event) this.onSessionEvent(step.event);
        feed();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.opts.onEvent?.({ type: 'protocol-error', code: err.code });
        ws.send(session.abort(err.code, err.message));
        ws.close(1008, err.code);
      }
    });
    ws.on('close', (code, reason) => {
      clearTimeout(this.watchdog);
      // Not connected from now on: readings wait in the backlog for the next session.
      if (this.session === session) {
        this.session = undefined;
        this.inFlight.clear();
        clearTimeout(this.pumpTimer);
      }
      if (this.stopped) return;
      const retryInMs = backoffDelay(
        this.attempt++,
        this.opts.backoff ?? defaultBackoff,
        this.opts.random,
      );
      this.opts.onEvent?.({ type: 'disconnected', code, reason: reason.toString(), retryInMs });
      this.retryTimer = setTimeout(() => this.connect(), retryInMs);
    });
    // Connection errors are followed by 'close', which schedules the retry.
    ws.on('error', () => {});
  }

  private onSessionEvent(e: MeterEvent): void {
    this.opts.onEvent?.(e);
    switch (e.type) {
      case 'established':
        this.attempt = 0;
        // The backlog goes out again from its start, within a fresh rate budget.
        this.inFlight.clear();
        this.bucket = new TokenBucket(
          Limits.ratePerSecond,
          Limits.rateBurst,
          (this.opts.clock ?? Date.now)(),
        );
        this.pump();
        for (const w of this.connectedWaiters.splice(0)) w();
        return;
      case 'ack':
        this.settle({ seq: e.seq, result: 'ack' });
        return this.pump();
      case 'acks':
        for (const seq of e.seqs) this.settle({ seq, result: 'ack' });
        return this.pump();
      case 'rejected':
        if (e.refSeq) this.settle({ seq: e.refSeq, result: 'rejected', code: e.code });
        return this.pump();
      case 'read':
        // Answered in the background; the outcome reaches the gateway as ack or error.
        this.sendReading(e.requestId).catch(() => undefined);
        return;
      case 'pong':
        return;
      default: {
        const _exhaustive: never = e;
        return _exhaustive;
      }
    }
  }
}
