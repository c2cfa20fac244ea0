// The meter side of one connection, independent of any transport and using
// only @noble (it is what devices/ runs): checks the gateway's signed hello
// against the pinned key, answers with a signed `auth`, then seals readings
// and opens the gateway's frames.

import { Opener, Sealer } from '../crypto/aead-session.ts';
import { nobleVerifyHash, publicKeyOf, randomPrivateKey, signHash } from '../crypto/ecdsa.ts';
import { deriveSessionKeys, helloSigningHash, transcriptHash } from '../crypto/handshake.ts';
import { encodeReading, readingHash, type Reading } from '../protocol/canonical.ts';
import { FrameType } from '../protocol/constants.ts';
import { ProtocolError, type ProtocolErrorCode } from '../protocol/errors.ts';
import { decodeFrame, encodeAuth, encodePlainError } from '../protocol/frames.ts';
import {
  decodeMessageBody,
  encodeMessageBody,
  messageFrameType,
  type Message,
  type SignedEntry,
} from '../protocol/messages.ts';

/** Signs a reading with a meter's long-term key: what a `reading` frame or a batch entry carries. */
export const signEntry = (reading: Reading, privateKey: Uint8Array): SignedEntry => ({
  canonical: encodeReading(reading),
  signature: signHash(readingHash(reading), privateKey),
});

export interface MeterIdentity {
  meterId: string;
  privateKey: Uint8Array;
  /** The gateway key this meter pins; a hello signed by any other key is refused. */
  gatewayPublicKey: Uint8Array;
}

export type MeterEvent =
  | { type: 'established'; serverTime: number }
  | { type: 'ack'; seq: number }
  /** Several stored readings answered together, in the order the meter sent them. */
  | { type: 'acks'; seqs: number[] }
  | { type: 'read'; requestId: string; runId: string }
  | { type: 'rejected'; code: ProtocolErrorCode; refSeq: number; message: string }
  | { type: 'pong'; nonce: number };

export interface MeterStep {
  /** Frames to send, in order. */
  send: Uint8Array[];
  event?: MeterEvent;
}

type State =
  | { status: 'awaiting-hello' }
  | { status: 'awaiting-auth-ok'; sealer: Sealer; opener: Opener }
  | { status: 'open'; sealer: Sealer; opener: Opener }
  | { status: 'closed' };

export class MeterSession {
  private state: State = { status: 'awaiting-hello' };
  private readonly ephemeralPrivateKey: Uint8Array;

  constructor(
    private readonly id: MeterIdentity,
    /** Fixed ephemeral key: only for test vectors. */
    ephemeralPrivateKey?: Uint8Array,
  ) {
    this.ephemeralPrivateKey = ephemeralPrivateKey ?? randomPrivateKey();
  }

  get status(): State['status'] {
    return this.state.status;
  }

  /**
   * Handles one frame from the gateway. Throws ProtocolError when the session
   * must end (the caller closes the socket); gateway error frames become events.
   */
  receive(bytes: Uint8Array): MeterStep {
    const frame = decodeFrame(bytes);
    if (frame.kind === 'plain-error') {
      this.state = { status: 'closed' };
      return { send: [], event: { type: 'rejected', refSeq: 0, ...frame.error } };
    }
    switch (this.state.status) {
      case 'awaiting-hello': {
        if (frame.kind !== 'hello') throw new ProtocolError('UNEXPECTED_FRAME', 'expected hello');
        const { hello } = frame;
        const signed = helloSigningHash(hello);
        if (!nobleVerifyHash(this.id.gatewayPublicKey, signed, hello.signature)) {
          throw new ProtocolError(
            'BAD_GATEWAY_SIGNATURE',
            'hello not signed by the pinned gateway key',
          );
        }
        const ephemeralPublicKey = publicKeyOf(this.ephemeralPrivateKey);
        const transcript = transcriptHash(hello, this.id.meterId, ephemeralPublicKey);
        const keys = deriveSessionKeys(
          this.ephemeralPrivateKey,
          hello.ephemeralPublicKey,
          transcript,
        );
        this.state = {
          status: 'awaiting-auth-ok',
          sealer: new Sealer(keys.meterToGateway),
          opener: new Opener(keys.gatewayToMeter),
        };
        const signature = signHash(transcript, this.id.privateKey);
        return { send: [encodeAuth({ meterId: this.id.meterId, ephemeralPublicKey, signature })] };
      }
      case 'awaiting-auth-ok':
      case 'open': {
        if (frame.kind !== 'sealed') throw new ProtocolError('UNEXPECTED_FRAME', `${frame.kind}`);
        const body = this.state.opener.open(frame.sealed);
        return this.onMessage(decodeMessageBody(frame.sealed.type, body));
      }
      case 'closed':
        throw new ProtocolError('UNEXPECTED_FRAME', 'session is closed');
      default: {
        const _exhaustive: never = this.state;
        return _exhaustive;
      }
    }
  }

  private onMessage(m: Message): MeterStep {
    const state = this.state;
    if (state.status !== 'open' && state.status !== 'awaiting-auth-ok') return { send: [] };
    if (state.status === 'awaiting-auth-ok') {
      if (m.type !== 'auth-ok')
        throw new ProtocolError('UNEXPECTED_FRAME', `${m.type} before auth-ok`);
      this.state = { status: 'open', sealer: state.sealer, opener: state.opener };
      return { send: [], event: { type: 'established', serverTime: m.serverTime } };
    }
    switch (m.type) {
      case 'ack':
        return { send: [], event: { type: 'ack', seq: m.seq } };
      case 'acks':
        return { send: [], event: { type: 'acks', seqs: m.seqs } };
      case 'read':
        return { send: [], event: { type: 'read', requestId: m.requestId, runId: m.runId } };
      case 'error':
        return {
          send: [],
          event: { type: 'rejected', code: m.code, refSeq: m.refSeq, message: m.message },
        };
      case 'ping':
        return { send: [this.seal({ type: 'pong', nonce: m.nonce })] };
      case 'pong':
        return { send: [], event: { type: 'pong', nonce: m.nonce } };
      case 'auth-ok':
      case 'reading':
      case 'readings':
        throw new ProtocolError('UNEXPECTED_FRAME', `${m.type} from the gateway`);
      default: {
        const _exhaustive: never = m;
        return _exhaustive;
      }
    }
  }

  /** The frame that tells the gateway why the meter ends the session: sealed once keys exist. */
  abort(code: ProtocolErrorCode, message: string): Uint8Array {
    const state = this.state;
    this.state = { status: 'closed' };
    if (state.status === 'open' || state.status === 'awaiting-auth-ok') {
      return state.sealer.seal(
        FrameType.Error,
        encodeMessageBody({ type: 'error', code, refSeq: 0, message }),
      );
    }
    return encodePlainError({ code, message });
  }

  /** Seals any message; for readings prefer `sealReading`, which signs. */
  seal(message: Message): Uint8Array {
    if (this.state.status !== 'open') throw new Error(`cannot send in state ${this.state.status}`);
    return this.state.sealer.seal(messageFrameType(message), encodeMessageBody(message));
  }

  /** Signs the reading with the meter's long-term key and seals it. */
  sealReading(reading: Reading): { frame: Uint8Array; signature: Uint8Array } {
    const entry = signEntry(reading, this.id.privateKey);
    return { frame: this.seal({ type: 'reading', ...entry }), signature: entry.signature };
  }

  /** Seals readings signed earlier (a backlog) into one `readings` frame: 1..16 of them. */
  sealReadings(readings: SignedEntry[]): Uint8Array {
    return this.seal({ type: 'readings', readings });
  }
}
