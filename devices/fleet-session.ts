// The meter side of a session for the fleet runner: the same protocol code
// as devices/meter.ts (frames, handshake hashes, key schedule, sealing) but
// with the machine's fast crypto (OpenSSL AES-GCM and ECDH, libsecp256k1
// signing and verification) so one process can drive thousands of meters
// without becoming the bottleneck of the gateway it loads.

import { nobleVerifyHash } from '../src/iot/crypto/ecdsa.ts';
import { Opener, Sealer } from '../src/iot/crypto/aead-session.ts';
import {
  deriveSessionKeys,
  helloSigningHash,
  transcriptHash,
} from '../src/iot/crypto/handshake.ts';
import { nodeBackend } from '../src/iot/crypto/node-backend.ts';
import { encodeReading, readingHash, type Reading } from '../src/iot/protocol/canonical.ts';
import { FrameType } from '../src/iot/protocol/constants.ts';
import { ProtocolError } from '../src/iot/protocol/errors.ts';
import { decodeFrame, encodeAuth } from '../src/iot/protocol/frames.ts';
import {
  decodeMessageBody,
  encodeMessageBody,
  messageFrameType,
  readingsBodyOf,
  type Message,
} from '../src/iot/protocol/messages.ts';
import type { MeterEvent, MeterIdentity } from '../src/iot/session/meter-session.ts';
import { nativeVerify } from '../src/iot/verify/native.ts';

const verifyHello = nativeVerify ?? nobleVerifyHash;

/** A reading signed ahead of time: canonical bytes and signature, ready to seal. */
export interface SignedReading {
  seq: number;
  canonical: Uint8Array;
  signature: Uint8Array;
  /** The `reading` message body (canonical and signature), encoded once for every send. */
  body: Uint8Array;
}

export const signReading = (reading: Reading, privateKey: Uint8Array): SignedReading => {
  const canonical = encodeReading(reading);
  const signature = nodeBackend.signHash(readingHash(reading), privateKey);
  const body = encodeMessageBody({ type: 'reading', canonical, signature });
  return { seq: reading.seq, canonical, signature, body };
};

export class FleetSession {
  private sealer: Sealer | undefined;
  private opener: Opener | undefined;
  open = false;

  constructor(private readonly id: MeterIdentity) {}

  /** Handles one gateway frame: frames to send back, and what it meant. */
  receive(bytes: Uint8Array): { send?: Uint8Array; event?: MeterEvent } {
    const frame = decodeFrame(bytes);
    if (frame.kind === 'plain-error')
      return { event: { type: 'rejected', refSeq: 0, ...frame.error } };
    if (frame.kind === 'hello') {
      const { hello } = frame;
      if (
        this.sealer ||
        !verifyHello(this.id.gatewayPublicKey, helloSigningHash(hello), hello.signature)
      )
        throw new ProtocolError(
          'BAD_GATEWAY_SIGNATURE',
          'hello not signed by the pinned gateway key',
        );
      if (!nodeBackend.isValidPublicKey(hello.ephemeralPublicKey))
        throw new ProtocolError('MALFORMED_FRAME', 'gateway ephemeral key is not a point');
      const ephemeral = nodeBackend.randomPrivateKey();
      const ephemeralPublicKey = nodeBackend.publicKeyOf(ephemeral);
      const transcript = transcriptHash(hello, this.id.meterId, ephemeralPublicKey);
      const keys = deriveSessionKeys(
        ephemeral,
        hello.ephemeralPublicKey,
        transcript,
        nodeBackend.ecdhX,
      );
      this.sealer = new Sealer(keys.meterToGateway, nodeBackend.aead);
      this.opener = new Opener(keys.gatewayToMeter, nodeBackend.aead);
      const signature = nodeBackend.signHash(transcript, this.id.privateKey);
      return { send: encodeAuth({ meterId: this.id.meterId, ephemeralPublicKey, signature }) };
    }
    if (frame.kind !== 'sealed' || !this.opener)
      throw new ProtocolError('UNEXPECTED_FRAME', `${frame.kind} from the gateway`);
    const m = decodeMessageBody(frame.sealed.type, this.opener.open(frame.sealed));
    switch (m.type) {
      case 'auth-ok':
        this.open = true;
        return { event: { type: 'established', serverTime: m.serverTime } };
      case 'ack':
        return { event: { type: 'ack', seq: m.seq } };
      case 'acks':
        return { event: { type: 'acks', seqs: m.seqs } };
      case 'read':
        return { event: { type: 'read', requestId: m.requestId, runId: m.runId } };
      case 'error':
        return { event: { type: 'rejected', code: m.code, refSeq: m.refSeq, message: m.message } };
      case 'ping':
        return { send: this.seal({ type: 'pong', nonce: m.nonce }) };
      case 'pong':
        return { event: { type: 'pong', nonce: m.nonce } };
      case 'reading':
      case 'readings':
        throw new ProtocolError('UNEXPECTED_FRAME', `${m.type} from the gateway`);
      default: {
        const _exhaustive: never = m;
        return _exhaustive;
      }
    }
  }

  seal(message: Message): Uint8Array {
    if (!this.sealer || !this.open) throw new Error('session is not open');
    return this.sealer.seal(messageFrameType(message), encodeMessageBody(message));
  }

  sealSigned(r: SignedReading): Uint8Array {
    if (!this.sealer || !this.open) throw new Error('session is not open');
    return this.sealer.seal(FrameType.Reading, r.body);
  }

  /** One `readings` frame of 1..16 signed readings: their encoded bodies, joined. */
  sealSignedBatch(readings: readonly SignedReading[]): Uint8Array {
    if (!this.sealer || !this.open) throw new Error('session is not open');
    return this.sealer.seal(FrameType.Readings, readingsBodyOf(readings.map((r) => r.body)));
  }
}
