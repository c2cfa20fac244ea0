// Byte-level building blocks of every encoding in the protocol: big-endian
// integers, u16-length-prefixed fields, strict UTF-8. The reader throws
// MALFORMED_FRAME on anything short, long or non-canonical.

import { ProtocolError } from './errors.ts';

const U64_LIMIT = 1n << 64n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Byte by byte: a DataView per integer costs more than the arithmetic.
const writeU32 = (out: Uint8Array, at: number, n: number): void => {
  out[at] = n >>> 24;
  out[at + 1] = (n >>> 16) & 0xff;
  out[at + 2] = (n >>> 8) & 0xff;
  out[at + 3] = n & 0xff;
};

const readU32 = (b: Uint8Array, at: number): number =>
  (((b[at] as number) << 24) |
    ((b[at + 1] as number) << 16) |
    ((b[at + 2] as number) << 8) |
    (b[at + 3] as number)) >>>
  0;

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the string, so decoding then encoding gives the same bytes.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const utf8Bytes = (s: string): Uint8Array => utf8.encode(s);

/** A u64 alone (ByteWriter's u64 bytes, and its RangeError outside 0..2^53-1). */
export const u64Bytes = (n: number): Uint8Array => {
  if (!Number.isSafeInteger(n) || n < 0) return new ByteWriter().u64(n).finish();
  const out = new Uint8Array(8);
  writeU32(out, 0, Math.floor(n / 0x1_0000_0000));
  writeU32(out, 4, n >>> 0);
  return out;
};

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
    // Hot path (every seq, register, time, nonce and frame counter): two u32 halves, no BigInt.
    const small = typeof n === 'bigint' && n >= 0n && n <= MAX_SAFE ? Number(n) : n;
    if (typeof small === 'number' && Number.isSafeInteger(small) && small >= 0) {
      const out = new Uint8Array(8);
      writeU32(out, 0, Math.floor(small / 0x1_0000_0000));
      writeU32(out, 4, small >>> 0);
      return this.raw(out);
    }
    const v = BigInt(n);
    if (v < 0n || v >= U64_LIMIT) throw new RangeError(`u64 out of range: ${v}`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, v);
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

  // Integers are read in place and labels joined only for an error: a
  // subarray per field and a label per length were most of a frame's garbage.
  private advance(n: number, what: string, suffix = ''): number {
    const at = this.at;
    if (at + n > this.buf.length) {
      throw new ProtocolError('MALFORMED_FRAME', `short ${what}${suffix}`);
    }
    this.at = at + n;
    return at;
  }

  private take(n: number, what: string): Uint8Array {
    const at = this.advance(n, what);
    return this.buf.subarray(at, at + n);
  }

  u8(what = 'u8'): number {
    return this.buf[this.advance(1, what)] as number;
  }

  u16(what = 'u16', suffix = ''): number {
    const at = this.advance(2, what, suffix);
    return ((this.buf[at] as number) << 8) | (this.buf[at + 1] as number);
  }

  /** Rejects values above Number.MAX_SAFE_INTEGER rather than losing precision. */
  u64(what = 'u64'): number {
    const at = this.advance(8, what);
    const high = readU32(this.buf, at);
    // 2^53-1 is 0x001FFFFF_FFFFFFFF: any higher word above 0x1FFFFF is out of range.
    if (high > 0x1f_ffff) throw new ProtocolError('MALFORMED_FRAME', `${what} above 2^53-1`);
    return high * 0x1_0000_0000 + readU32(this.buf, at + 4);
  }

  /**
   * Any u64 as a number, exact up to 2^53-1 and rounded above: for a frame
   * counter, which is only compared with one that never passes 2^53-1 (a
   * BigInt and a DataView a frame showed in the gateway's profile).
   */
  u64Rounded(what = 'u64'): number {
    const at = this.advance(8, what);
    return readU32(this.buf, at) * 0x1_0000_0000 + readU32(this.buf, at + 4);
  }

  fixed(n: number, what: string): Uint8Array {
    return this.take(n, what).slice();
  }

  /** Like fixed, a view rather than a copy: for bytes nobody writes to afterwards. */
  fixedView(n: number, what: string): Uint8Array {
    return this.take(n, what);
  }

  lp(what: string, maxBytes = 0xffff): Uint8Array {
    return this.lpView(what, maxBytes).slice();
  }

  /** Like lp, a view rather than a copy: for bytes nobody writes to afterwards. */
  lpView(what: string, maxBytes = 0xffff): Uint8Array {
    const n = this.u16(what, ' length');
    if (n > maxBytes) throw new ProtocolError('MALFORMED_FRAME', `${what} longer than ${maxBytes}`);
    return this.take(n, what);
  }

  str(what: string, maxBytes: number): string {
    // Decoded at once, so the bytes need no copy.
    const b = this.lpView(what, maxBytes);
    try {
      return strictUtf8.decode(b);
    } catch {
      throw new ProtocolError('MALFORMED_FRAME', `${what} is not UTF-8`);
    }
  }

  /** A view of the bytes left, not a copy: for data used at once (a sealed payload). */
  rest(): Uint8Array {
    return this.take(this.buf.length - this.at, 'rest');
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
