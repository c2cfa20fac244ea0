// A meter client as firmware would run it: loads its key file and persistent
// seq, connects to its gateway, keeps reconnecting with backoff and jitter,
// sends signed readings and answers bill-run `read` requests. Readings not
// answered yet (sent before a drop, or taken while disconnected) stay in a
// backlog and go out again after the next handshake, in `readings` frames.

import WebSocket from 'ws';
import { Limits } from '../src/iot/protocol/constants.ts';
import { ProtocolError, type ProtocolErrorCode } from '../src/iot/protocol/errors.ts';
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
  /** Everything the session reports, plus connection changes, for logs and tests. */
  onEvent?: (e: MeterClientEvent) => void;
}

export type MeterClientEvent =
  | MeterEvent
  | { type: 'disconnected'; code: number; reason: string; retryInMs: number }
  | { type: 'protocol-error'; code: ProtocolErrorCode };

/** What became of one reading: stored (acked), refused with a code, or unanswered when the meter stopped. */
export type ReadingOutcome =
  | { seq: number; result: 'ack' }
  | { seq: number; result: 'rejected'; code: ProtocolErrorCode }
  | { seq: number; result: 'disconnected' };

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
   * Signs the current register and sends it in a `reading` frame, or, while
   * disconnected, keeps it for the next session; resolves when the gateway
   * acks or refuses it (or with `disconnected` if the meter stops first).
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
    // Not connected (or the session dropped while the seq was being persisted):
    // it goes out with the backlog after the next handshake.
    const session = this.session;
    if (session?.status === 'open') this.ws.send(session.seal({ type: 'reading', ...entry }));
    return outcome;
  }

  private settle(outcome: ReadingOutcome): void {
    this.backlog.delete(outcome.seq);
    this.pending.get(outcome.seq)?.(outcome);
    this.pending.delete(outcome.seq);
  }

  /** The backlog in seq order, up to 16 readings a frame. */
  private resendBacklog(ws: WebSocket, session: MeterSession): void {
    const entries = [...this.backlog.values()];
    for (let at = 0; at < entries.length; at += Limits.maxReadingsPerFrame)
      ws.send(session.sealReadings(entries.slice(at, at + Limits.maxReadingsPerFrame)));
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
        if (step.event?.type === 'established') this.resendBacklog(ws, session);
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
      if (this.session === session) this.session = undefined;
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
        for (const w of this.connectedWaiters.splice(0)) w();
        return;
      case 'ack':
        return this.settle({ seq: e.seq, result: 'ack' });
      case 'acks':
        for (const seq of e.seqs) this.settle({ seq, result: 'ack' });
        return;
      case 'rejected':
        if (e.refSeq) this.settle({ seq: e.refSeq, result: 'rejected', code: e.code });
        return;
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
