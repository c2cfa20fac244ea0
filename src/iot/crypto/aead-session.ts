// One direction of an established session: AES-256-GCM with a 96-bit nonce of
// four zero bytes and a 64-bit frame counter, the 10-byte frame header as
// associated data. The receiver accepts only the next counter, so a replayed,
// dropped or reordered frame ends the session.

import type { SealedFrameType } from '../protocol/constants.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { encodeSealedHeader, type SealedFrame } from '../protocol/frames.ts';
import { nobleAead, type Aead } from './backend.ts';

const MAX_COUNTER = (1n << 64n) - 1n;

export const frameNonce = (counter: bigint): Uint8Array => {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, counter);
  return nonce;
};

export class Sealer {
  private next = 0n;
  constructor(
    private readonly key: Uint8Array,
    private readonly aead: Aead = nobleAead,
  ) {}

  seal(type: SealedFrameType, body: Uint8Array): Uint8Array {
    // Never reuse a nonce under one key, even after 2^64 frames.
    if (this.next >= MAX_COUNTER) throw new Error('frame counter exhausted; reconnect');
    const header = encodeSealedHeader(type, this.next);
    const sealed = this.aead.seal(this.key, frameNonce(this.next), header, body);
    this.next += 1n;
    const out = new Uint8Array(header.length + sealed.length);
    out.set(header);
    out.set(sealed, header.length);
    return out;
  }
}

export class Opener {
  private expected = 0n;
  constructor(
    private readonly key: Uint8Array,
    private readonly aead: Aead = nobleAead,
  ) {}

  open(frame: SealedFrame): Uint8Array {
    if (frame.counter < this.expected) {
      throw new ProtocolError('REPLAYED_FRAME', `counter ${frame.counter} < ${this.expected}`);
    }
    if (frame.counter > this.expected) {
      throw new ProtocolError('FRAME_OUT_OF_ORDER', `counter ${frame.counter} > ${this.expected}`);
    }
    let body: Uint8Array;
    try {
      body = this.aead.open(this.key, frameNonce(frame.counter), frame.header, frame.payload);
    } catch {
      throw new ProtocolError('DECRYPT_FAILED', `frame ${frame.counter} failed authentication`);
    }
    this.expected += 1n;
    return body;
  }
}
