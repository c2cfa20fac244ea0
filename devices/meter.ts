// A meter client as firmware would run it: loads its key file and persistent
// seq, connects to its gateway, keeps reconnecting with backoff and jitter,
// sends signed readings and answers bill-run `read` requests.

import WebSocket from 'ws';
import { ProtocolError, type ProtocolErrorCode } from '../src/iot/protocol/errors.ts';
import {
  MeterSession,
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

/** What became of one reading: stored (acked), refused with a code, or lost with the connection. */
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
  }

  /** Signs and sends the current register; resolves when the gateway acks or refuses it. */
  async sendReading(requestId?: string): Promise<ReadingOutcome> {
    const session = this.session;
    if (!session || session.status !== 'open' || !this.ws)
      throw new Error('meter is not connected');
    const seq = await this.seq.next();
    const now = (this.opts.clock ?? Date.now)();
    const reading = {
      meterId: this.identity.meterId,
      seq,
      registerWh: this.opts.readRegister(),
      readAt: now,
    };
    const outcome = new Promise<ReadingOutcome>((resolve) => this.pending.set(seq, resolve));
    // The session may have dropped while the seq was being persisted.
    if (this.session !== session || session.status !== 'open') {
      this.settle({ seq, result: 'disconnected' });
    } else {
      this.ws.send(
        session.sealReading(requestId === undefined ? reading : { ...reading, requestId }).frame,
      );
    }
    return outcome;
  }

  private settle(outcome: ReadingOutcome): void {
    this.pending.get(outcome.seq)?.(outcome);
    this.pending.delete(outcome.seq);
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
      // Not connected from now on: a send would go to a closed socket and never settle.
      if (this.session === session) this.session = undefined;
      for (const seq of [...this.pending.keys()]) this.settle({ seq, result: 'disconnected' });
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
