// A scriptable meter for gateway tests: a real WebSocket plus a MeterSession,
// recording every event and the close, and able to send arbitrary bytes so
// tests can replay, reorder and corrupt frames.

import WebSocket from 'ws';
import { ProtocolError } from '../../src/iot/protocol/errors.ts';
import {
  MeterSession,
  type MeterEvent,
  type MeterIdentity,
} from '../../src/iot/session/meter-session.ts';

export interface Closed {
  code: number;
  reason: string;
}

export class WsMeter {
  readonly events: MeterEvent[] = [];
  readonly session: MeterSession;
  /** Raw frames received from the gateway, in order. */
  readonly received: Uint8Array[] = [];
  readonly closed: Promise<Closed>;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly ws: WebSocket,
    identity: MeterIdentity,
    /** When set, auth frames are passed through this before sending (to corrupt them). */
    tamperAuth?: (auth: Uint8Array) => Uint8Array,
    /** False: never answer the gateway (to send garbage in place of auth). */
    private readonly respond = true,
  ) {
    this.session = new MeterSession(identity);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
    ws.on('message', (data: Buffer) => {
      const bytes = new Uint8Array(data);
      this.received.push(bytes);
      try {
        const step = this.session.receive(bytes);
        for (const f of this.respond ? step.send : []) {
          ws.send(tamperAuth && this.session.status === 'awaiting-auth-ok' ? tamperAuth(f) : f);
        }
        if (step.event) this.events.push(step.event);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.events.push({ type: 'rejected', code: err.code, refSeq: 0, message: 'meter side' });
      }
      this.wake();
    });
  }

  static async connect(
    url: string,
    identity: MeterIdentity,
    /** handshake false: connect silently, without answering hello. */
    opts: { handshake?: boolean; tamperAuth?: (auth: Uint8Array) => Uint8Array } = {},
  ): Promise<WsMeter> {
    const ws = new WebSocket(url);
    const meter = new WsMeter(ws, identity, opts.tamperAuth, opts.handshake !== false);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    if (opts.handshake !== false) {
      await meter.until((e) => e.type === 'established' || e.type === 'rejected');
    }
    return meter;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first recorded event matching `pred`, waiting up to 5 s. */
  async until(pred: (e: MeterEvent) => boolean, timeoutMs = 5000): Promise<MeterEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(`no matching event; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  send(frame: Uint8Array): void {
    this.ws.send(frame);
  }

  close(): void {
    this.ws.close();
  }
}
