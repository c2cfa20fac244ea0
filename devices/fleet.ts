// A fleet of simulated meters in one process, for demos and load tests: each
// meter has its own key, seq, load curve and WebSocket, connects with jitter,
// reconnects with backoff, resends readings the gateway never acked or
// refused for now (UNAVAILABLE, RATE_LIMITED: it reconnects first), and
// answers bill-run `read` requests with a freshly signed reading. Readings
// may be pre-signed (`presign`) so that signing is not measured as load.

import WebSocket from 'ws';
import { Limits } from '../src/iot/protocol/constants.ts';
import { ProtocolError } from '../src/iot/protocol/errors.ts';
import type { MeterIdentity } from '../src/iot/session/meter-session.ts';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.ts';
import { FleetSession, signReading, type SignedReading } from './fleet-session.ts';
import { RegisterSimulator, type LoadProfile } from './load-curve.ts';

export interface FleetMeterSpec {
  identity: MeterIdentity;
  profile: LoadProfile;
  /** Register when the simulation starts (Wh). */
  startWh: number;
  /** Last seq this meter used before (its persisted counter). */
  lastSeq: number;
  /** Size factor of the load curve (1 = the profile's average household/shop). */
  scale?: number;
}

export interface FleetOptions {
  url: string;
  meters: FleetMeterSpec[];
  /** Each meter's first connection waits a random 0..connectJitterMs. */
  connectJitterMs?: number;
  backoff?: BackoffOptions;
  /**
   * Give up on a connection whose handshake has not completed by then (default
   * 15 s) and reconnect: a gateway whose accept queue overflowed can leave a
   * TCP connection that neither answers the upgrade nor closes.
   */
  handshakeTimeoutMs?: number;
  /**
   * Most readings one frame carries (default 1: a `reading` frame each, as
   * before batching). Above 1, `sendReadings` and resends after a reconnect
   * go out in `readings` frames of up to this many (at most 16).
   */
  maxBatch?: number;
  /** Answer bill-run `read` requests (default true). */
  answerReads?: boolean;
  clock?: () => number;
  onAck?: (meterId: string, seq: number, latencyMs: number) => void;
  onReject?: (meterId: string, seq: number, code: string) => void;
  /** The gateway could not take the reading now (UNAVAILABLE, RATE_LIMITED): it is kept and resent. */
  onRetryLater?: (meterId: string, seq: number, code: string) => void;
}

/** Refusals that say "not now" (docs/protocol.md §7): the reading is resent after a backoff. */
const RETRY_LATER = new Set(['UNAVAILABLE', 'RATE_LIMITED']);

export class SimMeter {
  private ws: WebSocket | undefined;
  private handshakeDeadline: NodeJS.Timeout | undefined;
  private session: FleetSession | undefined;
  private attempt = 0;
  private stopped = false;
  private seq: number;
  private readonly register: RegisterSimulator;
  /** Sent and not acked yet: resent after a reconnect. */
  readonly unacked = new Map<number, { reading: SignedReading; sentAt: number }>();
  private readonly presigned: SignedReading[] = [];
  private connectedWaiters: (() => void)[] = [];
  readsAnswered = 0;
  /** Readings sent (first sends, not resends). */
  sent = 0;
  /** Frames that carried those first sends. */
  framesSent = 0;
  private readonly maxBatch: number;

  constructor(
    readonly spec: FleetMeterSpec,
    private readonly fleet: FleetOptions,
  ) {
    this.seq = spec.lastSeq;
    this.maxBatch = Math.min(Limits.maxReadingsPerFrame, Math.max(1, fleet.maxBatch ?? 1));
    this.register = new RegisterSimulator(spec.profile, spec.startWh, this.now(), spec.scale ?? 1);
  }

  get meterId(): string {
    return this.spec.identity.meterId;
  }

  get connected(): boolean {
    return this.session?.open === true;
  }

  private now(): number {
    return (this.fleet.clock ?? Date.now)();
  }

  waitConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Signs `count` future readings now (seq and register increasing, read at `readAt`). */
  presign(count: number, readAt = this.now()): void {
    for (let i = 0; i < count; i++) this.presigned.push(this.sign(readAt));
  }

  get presignedLeft(): number {
    return this.presigned.length;
  }

  /** Sends the next reading (pre-signed if any); false when not connected. */
  sendReading(requestId?: string): boolean {
    if (!this.connected || !this.ws) return false;
    const reading =
      requestId === undefined && this.presigned.length > 0
        ? this.presigned.shift()!
        : this.sign(this.now(), requestId);
    this.sent++;
    this.framesSent++;
    this.transmitOne(reading);
    return true;
  }

  /**
   * Sends the next `count` pre-signed readings in frames of up to `maxBatch`
   * (the bill-run answers stay single `reading` frames: see sendReading).
   * Returns how many were sent: 0 when not connected.
   */
  sendReadings(count: number): number {
    if (!this.connected || !this.ws) return 0;
    if (this.maxBatch === 1) {
      // One `reading` frame each, without the arrays a batch takes.
      let sent = 0;
      for (; sent < count && this.presigned.length > 0; sent++) {
        this.transmitOne(this.presigned.shift()!);
        this.framesSent++;
      }
      this.sent += sent;
      return sent;
    }
    const taken = this.presigned.splice(0, count);
    for (let at = 0; at < taken.length; at += this.maxBatch) {
      this.transmit(taken.slice(at, at + this.maxBatch));
      this.framesSent++;
    }
    this.sent += taken.length;
    return taken.length;
  }

  private sign(readAt: number, requestId?: string): SignedReading {
    const reading = {
      meterId: this.meterId,
      seq: ++this.seq,
      registerWh: this.register.at(readAt),
      readAt,
      ...(requestId === undefined ? {} : { requestId }),
    };
    return signReading(reading, this.spec.identity.privateKey);
  }

  /** One frame: a `reading` frame for one reading, a `readings` frame for several. */
  private transmit(readings: SignedReading[]): void {
    if (readings.length === 1) return this.transmitOne(readings[0]!);
    const sentAt = this.now();
    for (const reading of readings) this.unacked.set(reading.seq, { reading, sentAt });
    this.ws!.send(this.session!.sealSignedBatch(readings));
  }

  private transmitOne(reading: SignedReading): void {
    this.unacked.set(reading.seq, { reading, sentAt: this.now() });
    this.ws!.send(this.session!.sealSigned(reading));
  }

  connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.fleet.url, { perMessageDeflate: false });
    const session = new FleetSession(this.spec.identity);
    this.ws = ws;
    this.session = session;
    const deadline = setTimeout(() => ws.terminate(), this.fleet.handshakeTimeoutMs ?? 15_000);
    this.handshakeDeadline = deadline;
    ws.on('message', (data: Buffer) => {
      try {
        const step = session.receive(new Uint8Array(data.buffer, data.byteOffset, data.length));
        if (step.send) ws.send(step.send);
        if (step.event) this.onEvent(step.event);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        ws.close(1008, err.code);
      }
    });
    ws.on('close', () => {
      clearTimeout(deadline);
      // Not connected from now on: sendReading refuses until the next session.
      if (this.session === session) this.session = undefined;
      if (this.stopped) return;
      const delay = backoffDelay(this.attempt++, this.fleet.backoff ?? defaultBackoff);
      setTimeout(() => this.connect(), delay);
    });
    ws.on('error', () => {});
  }

  private onEvent(e: NonNullable<ReturnType<FleetSession['receive']>['event']>): void {
    switch (e.type) {
      case 'established':
        clearTimeout(this.handshakeDeadline);
        // Readings the last gateway never acked: a stored one is acked again, not stored twice.
        this.resendUnacked();
        this.connectedWaiters.splice(0).forEach((w) => w());
        return;
      case 'ack': {
        this.attempt = 0;
        const sent = this.unacked.get(e.seq);
        this.unacked.delete(e.seq);
        if (sent) this.fleet.onAck?.(this.meterId, e.seq, this.now() - sent.sentAt);
        return;
      }
      case 'acks':
        return this.acked(e.seqs);
      case 'rejected':
        if (e.refSeq && RETRY_LATER.has(e.code) && this.unacked.has(e.refSeq)) {
          this.fleet.onRetryLater?.(this.meterId, e.refSeq, e.code);
          // Kept in `unacked`: reconnect after a backoff and resend everything in seq order.
          this.ws?.close(1000, 'retry later');
          return;
        }
        if (e.refSeq && this.unacked.delete(e.refSeq))
          this.fleet.onReject?.(this.meterId, e.refSeq, e.code);
        return;
      case 'read':
        if (this.fleet.answerReads === false) return;
        this.readsAnswered++;
        this.sendReading(e.requestId);
        return;
      case 'pong':
        return;
      default: {
        const _exhaustive: never = e;
        return _exhaustive;
      }
    }
  }

  private resendUnacked(): void {
    const readings = [...this.unacked.values()].map((u) => u.reading);
    for (let at = 0; at < readings.length; at += this.maxBatch)
      this.transmit(readings.slice(at, at + this.maxBatch));
  }

  /** An `acks` frame (an `ack` frame is the same for one seq, without the arrays). */
  private acked(seqs: number[]): void {
    // Reset on an ack, not on connecting: a gateway that connects but cannot
    // store (its database is down) must still see this meter back off.
    this.attempt = 0;
    // Every seq leaves the window before anyone hears of one, so the first
    // onAck finds all the room the frame freed (and can fill it with one frame).
    const now = this.now();
    const latencies = seqs.map((seq) => {
      const sent = this.unacked.get(seq);
      this.unacked.delete(seq);
      return sent && now - sent.sentAt;
    });
    seqs.forEach((seq, i) => {
      const ms = latencies[i];
      if (ms !== undefined) this.fleet.onAck?.(this.meterId, seq, ms);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'fleet stopping');
    });
  }
}

export class Fleet {
  readonly meters: SimMeter[];

  private constructor(opts: FleetOptions) {
    this.meters = opts.meters.map((spec) => new SimMeter(spec, opts));
  }

  /** Creates the meters and starts connecting each after its jitter. */
  static start(opts: FleetOptions): Fleet {
    const fleet = new Fleet(opts);
    fleet.connect(opts.connectJitterMs ?? 0);
    return fleet;
  }

  /** Creates the meters without connecting (e.g. to pre-sign readings first). */
  static create(opts: FleetOptions): Fleet {
    return new Fleet(opts);
  }

  connect(jitterMs: number): void {
    for (const m of this.meters) setTimeout(() => m.connect(), Math.random() * jitterMs);
  }

  waitConnected(): Promise<void> {
    return Promise.all(this.meters.map((m) => m.waitConnected())).then(() => undefined);
  }

  connectedCount(): number {
    return this.meters.filter((m) => m.connected).length;
  }

  async stop(): Promise<void> {
    await Promise.all(this.meters.map((m) => m.stop()));
  }
}
