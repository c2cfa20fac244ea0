// One direction of an established session: AES-256-GCM with a 96-bit nonce of
// four zero bytes and a 64-bit frame counter, the 10-byte frame header as
// associated data. The receiver accepts only the next counter, so a replayed,
// dropped or reordered frame ends the session.

import {
  PROTOCOL_VERSION,
  SEALED_HEADER_BYTES,
  TAG_BYTES,
  type SealedFrameType,
} from '../protocol/constants.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { SealedFrame } from '../protocol/frames.ts';
import { nobleAead, type Aead } from './backend.ts';

/**
 * Counters are kept as numbers (every frame of the gateway's hot path used to
 * make BigInts): a session stops before 2^53 frames, far short of the
 * protocol's 2^64, so no nonce is ever reused under one key.
 */
const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** Big-endian u64 of a safe integer at `at`. */
const writeCounter = (out: Uint8Array, at: number, counter: number): void => {
  const high = Math.floor(counter / 0x1_0000_0000);
  const low = counter >>> 0;
  out[at] = high >>> 24;
  out[at + 1] = (high >>> 16) & 0xff;
  out[at + 2] = (high >>> 8) & 0xff;
  out[at + 3] = high & 0xff;
  out[at + 4] = low >>> 24;
  out[at + 5] = (low >>> 16) & 0xff;
  out[at + 6] = (low >>> 8) & 0xff;
  out[at + 7] = low & 0xff;
};

// Each side keeps one nonce buffer, rewritten per frame: the AEAD is done
// with it when its call returns, and a fresh one a frame was garbage at
// thousands of frames a second.

export class Sealer {
  private next = 0;
  private readonly nonce = new Uint8Array(12);
  constructor(
    private readonly key: Uint8Array,
    private readonly aead: Aead = nobleAead,
  ) {}

  seal(type: SealedFrameType, body: Uint8Array): Uint8Array {
    if (this.next >= MAX_COUNTER) throw new Error('frame counter exhausted; reconnect');
    const sealedBytes = body.length + TAG_BYTES;
    const out = new Uint8Array(SEALED_HEADER_BYTES + sealedBytes);
    // version ‖ type ‖ u64 counter, written in place (encodeSealedHeader gives the same bytes).
    const header = out.subarray(0, SEALED_HEADER_BYTES);
    header[0] = PROTOCOL_VERSION;
    header[1] = type;
    writeCounter(header, 2, this.next);
    writeCounter(this.nonce, 4, this.next);
    const sealed = this.aead.seal(this.key, this.nonce, header, body);
    if (sealed.length !== sealedBytes) throw new Error('AEAD output is not body plus tag');
    this.next += 1;
    out.set(sealed, SEALED_HEADER_BYTES);
    return out;
  }
}

export class Opener {
  private expected = 0;
  private readonly nonce = new Uint8Array(12);
  constructor(
    private readonly key: Uint8Array,
    private readonly aead: Aead = nobleAead,
  ) {}

  open(frame: SealedFrame): Uint8Array {
    // Past 2^53 a counter (rounded) is above any this side expects: out of order.
    const { counter } = frame;
    if (counter < this.expected) {
      throw new ProtocolError('REPLAYED_FRAME', `counter ${counter} < ${this.expected}`);
    }
    if (counter > this.expected) {
      throw new ProtocolError('FRAME_OUT_OF_ORDER', `counter ${counter} > ${this.expected}`);
    }
    let body: Uint8Array;
    try {
      writeCounter(this.nonce, 4, this.expected);
      body = this.aead.open(this.key, this.nonce, frame.header, frame.payload);
    } catch {
      throw new ProtocolError('DECRYPT_FAILED', `frame ${frame.counter} failed authentication`);
    }
    this.expected += 1;
    return body;
  }
}
