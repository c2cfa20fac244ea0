// The gateway side of one meter connection, independent of any transport:
// sends `hello`, checks `auth` against the meter directory, derives the
// session keys, then opens sealed frames, checks readings and hands verified
// ones to the sink, acking only after the sink says they are stored.
// Readings may be pipelined (`readingWindow`): while earlier ones wait for
// their commit, later frames are opened, checked and verified, but readings
// reach the sink strictly in arrival order and are answered in that order
// (reading-window.ts).

import { hash } from 'node:crypto';
import { randomBytes } from '@noble/hashes/utils.js';
import { Opener, Sealer } from '../crypto/aead-session.ts';
import type { CryptoBackend } from '../crypto/backend.ts';
import { nodeBackend } from '../crypto/node-backend.ts';
import { deriveSessionKeys, helloSigningHash, transcriptHash } from '../crypto/handshake.ts';
import { decodeReading, type Reading } from '../protocol/canonical.ts';
import { Limits, NONCE_BYTES } from '../protocol/constants.ts';
import { ProtocolError, closesSession, type ProtocolErrorCode } from '../protocol/errors.ts';
import {
  decodeFrame,
  encodeHello,
  encodePlainError,
  type Auth,
  type Hello,
} from '../protocol/frames.ts';
import {
  decodeMessageBody,
  encodeMessageBody,
  messageFrameType,
  type Message,
  type SignedEntry,
} from '../protocol/messages.ts';
import type { ReadingVerifier } from '../verify/types.ts';
import type {
  FrameTransport,
  MeterDirectory,
  MeterRecord,
  ReadingObserver,
  ReadingSink,
} from './ports.ts';
import { AckSender } from './ack-sender.ts';
import { TokenBucket } from './rate-limit.ts';
import { ReadingWindow, type ReadingOutcome } from './reading-window.ts';

export interface GatewaySessionDeps {
  gatewayId: string;
  gatewayPrivateKey: Uint8Array;
  directory: MeterDirectory;
  verifier: ReadingVerifier;
  sink: ReadingSink;
  /** Told every reading's outcome (metrics); optional. */
  observer?: ReadingObserver;
  /**
   * Readings handled at once (verifying or waiting for storage); `handle`
   * returns early while fewer are in progress. 1 (the default) handles each
   * reading to its answer before the next frame.
   */
  readingWindow?: number;
  /** Milliseconds since the epoch; injected so skew and rate checks are testable. */
  clock?: () => number;
  maxClockSkewMs?: number;
  /** Defaults to OpenSSL + libsecp256k1: the gateway does many handshakes per second. */
  crypto?: CryptoBackend;
  /** Fixed ephemeral key and nonce: only for test vectors. */
  ephemeralPrivateKey?: Uint8Array;
  nonce?: Uint8Array;
}

type State =
  | { status: 'awaiting-auth' }
  | {
      status: 'open';
      meterId: string;
      /**
       * The key the meter authenticated with (rotating or revoking it ends the
       * session), uncompressed: libsecp256k1 parses that form without the
       * square root a compressed key costs each reading's verification (~12%).
       */
      publicKey: Uint8Array;
      sealer: Sealer;
      opener: Opener;
      bucket: TokenBucket;
    }
  | { status: 'closed' };

export class GatewaySession {
  private state: State = { status: 'awaiting-auth' };
  private readonly hello: Hello;
  private readonly ephemeralPrivateKey: Uint8Array;
  private readonly clock: () => number;
  private readonly crypto: CryptoBackend;
  private readonly readings: ReadingWindow;
  private readonly acks = new AckSender((m) => this.send(m));

  constructor(
    private readonly deps: GatewaySessionDeps,
    private readonly transport: FrameTransport,
  ) {
    this.clock = deps.clock ?? Date.now;
    this.crypto = deps.crypto ?? nodeBackend;
    this.ephemeralPrivateKey = deps.ephemeralPrivateKey ?? this.crypto.randomPrivateKey();
    const unsigned = {
      gatewayId: deps.gatewayId,
      nonce: deps.nonce ?? randomBytes(NONCE_BYTES),
      ephemeralPublicKey: this.crypto.publicKeyOf(this.ephemeralPrivateKey),
    };
    const signature = this.crypto.signHash(helloSigningHash(unsigned), deps.gatewayPrivateKey);
    this.hello = { ...unsigned, signature };
    this.readings = new ReadingWindow(deps.readingWindow ?? 1, {
      isOpen: () => this.state.status === 'open',
      // The sink's own promise: no async wrapper (a promise and a tick a reading).
      store: (reading, signature) => this.deps.sink.accept(reading, signature),
      answer: (seq, outcome) => this.answer(seq, outcome),
    });
  }

  get status(): State['status'] {
    return this.state.status;
  }

  /** The authenticated meter, once the handshake is done. */
  get meterId(): string | undefined {
    return this.state.status === 'open' ? this.state.meterId : undefined;
  }

  start(): void {
    this.transport.send(encodeHello(this.hello));
  }

  /** Resolves once every reading taken so far has been answered (or dropped by a close). */
  settled(): Promise<void> {
    return this.readings.settled().then(this.acks.flush);
  }

  /**
   * Handles one inbound frame: undefined once it is dealt with, a promise
   * while it waits (the auth's directory lookup, a full reading window), so
   * most frames cost no promise and no tick. Callers must not overlap calls
   * (await each promise before the next frame); port failures reject or throw.
   */
  handle(bytes: Uint8Array): Promise<void> | undefined {
    if (this.state.status === 'closed') return;
    try {
      const frame = decodeFrame(bytes);
      if (frame.kind === 'plain-error') {
        // The meter gave up (e.g. our hello failed its pin check): close without answering.
        this.state = { status: 'closed' };
        this.transport.close(frame.error.code);
        return;
      }
      if (this.state.status === 'awaiting-auth') {
        if (frame.kind !== 'auth')
          throw new ProtocolError('UNEXPECTED_FRAME', `${frame.kind} before auth`);
        return this.authenticate(frame.auth).catch((err: unknown) => this.refuseFrame(err));
      }
      if (frame.kind !== 'sealed')
        throw new ProtocolError('UNEXPECTED_FRAME', `${frame.kind} in session`);
      const body = this.state.opener.open(frame.sealed);
      return this.onMessage(decodeMessageBody(frame.sealed.type, body));
    } catch (err) {
      this.refuseFrame(err);
    }
  }

  /** A frame the protocol refuses ends in an error to the meter; anything else goes up. */
  private refuseFrame(err: unknown): void {
    if (!(err instanceof ProtocolError)) throw err;
    this.fail(err.code, err.message, 0);
  }

  /** Sends a sealed message on an open session; false when the session is not open. */
  send(message: Message): boolean {
    if (this.state.status !== 'open') return false;
    // Acks of readings stored earlier leave before anything sent after them.
    if (message.type !== 'acks') this.acks.flush();
    const frame = this.state.sealer.seal(messageFrameType(message), encodeMessageBody(message));
    this.transport.send(frame);
    return true;
  }

  /** Ends the session from the gateway's side (timeout, meter disabled, shutdown). */
  fail(code: ProtocolErrorCode, message: string, refSeq: number): void {
    if (this.state.status === 'closed') return;
    if (this.state.status === 'open') this.send({ type: 'error', code, refSeq, message });
    else this.transport.send(encodePlainError({ code, message }));
    if (closesSession(code) || this.state.status !== 'open') {
      this.state = { status: 'closed' };
      this.transport.close(code);
    }
  }

  private async authenticate(auth: Auth): Promise<void> {
    const meter: MeterRecord | undefined = await this.deps.directory.lookup(auth.meterId);
    if (!meter) throw new ProtocolError('UNKNOWN_METER', `meter ${auth.meterId} is not registered`);
    if (!meter.enabled)
      throw new ProtocolError('METER_DISABLED', `meter ${auth.meterId} is disabled`);
    const transcript = transcriptHash(this.hello, auth.meterId, auth.ephemeralPublicKey);
    const ok = await this.deps.verifier.verify({
      publicKey: meter.publicKey,
      hash: transcript,
      signature: auth.signature,
    });
    if (!ok) throw new ProtocolError('BAD_SIGNATURE', 'auth signature does not verify');
    if (!this.crypto.isValidPublicKey(auth.ephemeralPublicKey)) {
      throw new ProtocolError('MALFORMED_FRAME', 'ephemeral key is not a curve point');
    }
    const keys = deriveSessionKeys(
      this.ephemeralPrivateKey,
      auth.ephemeralPublicKey,
      transcript,
      this.crypto.ecdhX,
    );
    const now = this.clock();
    this.state = {
      status: 'open',
      meterId: auth.meterId,
      // The auth signature verified under this key, so it is a valid point.
      publicKey: this.crypto.uncompressedPublicKey(meter.publicKey),
      sealer: new Sealer(keys.gatewayToMeter, this.crypto.aead),
      opener: new Opener(keys.meterToGateway, this.crypto.aead),
      bucket: new TokenBucket(Limits.ratePerSecond, Limits.rateBurst, now),
    };
    this.send({ type: 'auth-ok', serverTime: now });
  }

  /** Undefined once the message is dealt with; a promise while the reading window is full. */
  private onMessage(m: Message): Promise<void> | undefined {
    switch (m.type) {
      case 'reading':
        return this.onReadings([m], false);
      case 'readings':
        return this.onReadings(m.readings, true);
      case 'ping':
        this.send({ type: 'pong', nonce: m.nonce });
        return;
      case 'pong':
        return;
      case 'error':
        // The meter is giving up on the session; nothing to answer.
        this.state = { status: 'closed' };
        this.transport.close(m.code);
        return;
      case 'auth-ok':
      case 'ack':
      case 'acks':
      case 'read':
        throw new ProtocolError('UNEXPECTED_FRAME', `${m.type} is gateway-to-meter only`);
      default: {
        const _exhaustive: never = m;
        return _exhaustive;
      }
    }
  }

  /**
   * The readings of a `reading` or `readings` frame, checked as a frame first,
   * all or nothing: a malformed reading or one naming another meter ends the
   * session before any of the frame is taken. Then each reading goes through
   * the per-reading checks in order. The window takes a whole frame even past
   * its size; the next frame waits until fewer than its size are in progress.
   */
  private onReadings(entries: readonly SignedEntry[], batch: boolean): Promise<void> | undefined {
    if (this.state.status !== 'open') return;
    const { meterId } = this.state;
    const readings = entries.map((e) => decodeReading(e.canonical));
    const stranger = readings.find((r) => r.meterId !== meterId);
    if (stranger) {
      throw new ProtocolError(
        'METER_MISMATCH',
        `reading for ${stranger.meterId} in ${meterId}'s session`,
      );
    }
    if (batch) this.acks.batch();
    for (let i = 0; i < entries.length; i++) {
      this.take(readings[i]!, entries[i]!.canonical, entries[i]!.signature);
    }
    return this.readings.room();
  }

  /** Per-reading checks in order (rate, clock, signature); storage decides the rest. */
  private take(reading: Reading, canonical: Uint8Array, signature: Uint8Array): void {
    if (this.state.status !== 'open') return;
    const { publicKey, bucket } = this.state;
    const now = this.clock();
    if (!bucket.take(now)) {
      this.readings.refuse(reading.seq, 'RATE_LIMITED', 'too many readings');
    } else if (
      Math.abs(reading.readAt - now) > (this.deps.maxClockSkewMs ?? Limits.maxClockSkewMs)
    ) {
      this.readings.refuse(reading.seq, 'CLOCK_SKEW', `readAt ${reading.readAt} vs gateway ${now}`);
    } else {
      // decodeReading accepted only canonical bytes, so they are the ones the
      // meter signed: hashed as received (OpenSSL, one call), not encoded again.
      const signed = hash('sha256', canonical, 'buffer');
      // No directory lookup per reading: the hot path stays off the database, and
      // disabling a meter or rotating its key drops the session (disconnectMeter).
      const verified = this.deps.verifier.verify({ publicKey, hash: signed, signature });
      this.readings.add(reading, signature, verified);
    }
  }

  private answer(seq: number, outcome: ReadingOutcome): void {
    if (outcome === null) return;
    if (outcome === 'stored') {
      this.deps.observer?.readingIngested();
      this.acks.stored(seq);
    } else {
      // Sending the error first flushes the acks of the readings before it.
      this.refuse(outcome.code, outcome.message, seq);
    }
  }

  private refuse(code: ProtocolErrorCode, message: string, seq: number): void {
    this.deps.observer?.readingRejected(code);
    this.fail(code, message, seq);
  }
}
