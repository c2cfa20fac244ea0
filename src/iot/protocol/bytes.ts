// Byte-level building blocks of every encoding in the protocol: big-endian
// integers, u16-length-prefixed fields, strict UTF-8. The reader throws
// MALFORMED_FRAME on anything short, long or non-canonical.

import { ProtocolError } from './errors.ts';

const U64_LIMIT = 1n << 64n;

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the string, so decoding then encoding gives the same bytes.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const utf8Bytes = (s: string): Uint8Array => utf8.encode(s);

export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  u8(n: number): this {
    return this.raw(Uint8Array.of(n));
  }

  u16(n: number): this {
    return this.raw(Uint8Array.of(n >>> 8, n & 0xff));
  }

  /** Non-negative safe integers only: the protocol never needs more than 2^53. */
  u64(n: number | bigint): this {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) {
      // Hot path (every seq, register, time and nonce): two u32 halves, no BigInt.
      view.setUint32(0, Math.floor(n / 0x1_0000_0000));
      view.setUint32(4, n >>> 0);
      return this.raw(out);
    }
    const v = BigInt(n);
    if (v < 0n || v >= U64_LIMIT) throw new RangeError(`u64 out of range: ${v}`);
    view.setBigUint64(0, v);
    return this.raw(out);
  }

  raw(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  /** u16 big-endian length, then the bytes. */
  lp(b: Uint8Array): this {
    if (b.length > 0xffff) throw new RangeError('field longer than 65535 bytes');
    return this.u16(b.length).raw(b);
  }

  str(s: string): this {
    return this.lp(utf8.encode(s));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export class ByteReader {
  private at = 0;
  constructor(private readonly buf: Uint8Array) {}

  private take(n: number, what: string): Uint8Array {
    if (this.at + n > this.buf.length) throw new ProtocolError('MALFORMED_FRAME', `short ${what}`);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  u8(what = 'u8'): number {
    return this.take(1, what)[0] as number;
  }

  u16(what = 'u16'): number {
    const b = this.take(2, what);
    return ((b[0] as number) << 8) | (b[1] as number);
  }

  /** Rejects values above Number.MAX_SAFE_INTEGER rather than losing precision. */
  u64(what = 'u64'): number {
    const b = this.take(8, what);
    const view = new DataView(b.buffer, b.byteOffset, 8);
    const high = view.getUint32(0);
    // 2^53-1 is 0x001FFFFF_FFFFFFFF: any higher word above 0x1FFFFF is out of range.
    if (high > 0x1f_ffff) throw new ProtocolError('MALFORMED_FRAME', `${what} above 2^53-1`);
    return high * 0x1_0000_0000 + view.getUint32(4);
  }

  u64Big(what = 'u64'): bigint {
    const b = this.take(8, what);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  }

  fixed(n: number, what: string): Uint8Array {
    return this.take(n, what).slice();
  }

  lp(what: string, maxBytes = 0xffff): Uint8Array {
    const n = this.u16(`${what} length`);
    if (n > maxBytes) throw new ProtocolError('MALFORMED_FRAME', `${what} longer than ${maxBytes}`);
    return this.take(n, what).slice();
  }

  str(what: string, maxBytes: number): string {
    const b = this.lp(what, maxBytes);
    try {
      return strictUtf8.decode(b);
    } catch {
      throw new ProtocolError('MALFORMED_FRAME', `${what} is not UTF-8`);
    }
  }

  rest(): Uint8Array {
    return this.take(this.buf.length - this.at, 'rest').slice();
  }

  end(what: string): void {
    if (this.at !== this.buf.length) {
      throw new ProtocolError(
        'MALFORMED_FRAME',
        `${this.buf.length - this.at} trailing bytes in ${what}`,
      );
    }
  }
}

export { bytesToHex as toHex, hexToBytes as fromHex } from '@noble/hashes/utils.js';
