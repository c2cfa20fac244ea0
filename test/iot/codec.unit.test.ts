// Canonical reading bytes and frame codec: exact layouts, strict parsing, and
// every malformed input is a typed ProtocolError rather than a crash.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, toHex } from '../../src/iot/protocol/bytes.ts';
import { decodeReading, encodeReading, type Reading } from '../../src/iot/protocol/canonical.ts';
import { FrameType, Limits } from '../../src/iot/protocol/constants.ts';
import { ProtocolError } from '../../src/iot/protocol/errors.ts';
import { decodeFrame, encodePlainError } from '../../src/iot/protocol/frames.ts';
import {
  decodeMessageBody,
  encodeMessageBody,
  messageFrameType,
  type Message,
} from '../../src/iot/protocol/messages.ts';

const reading: Reading = { meterId: 'M1', seq: 1, registerWh: 0, readAt: 5 };

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
};

describe('canonical reading', () => {
  it('has the documented byte layout', () => {
    expect(toHex(encodeReading(reading))).toBe(
      '0016' +
        toHex(new TextEncoder().encode('meterledger/v1/reading')) +
        '0002' +
        '4d31' +
        '0000000000000001' +
        '0000000000000000' +
        '0000000000000005' +
        '00',
    );
  });

  it('round-trips any valid reading', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 16 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.nat(),
        fc.nat(),
        fc.option(fc.string({ minLength: 1, maxLength: 16 }), { nil: undefined }),
        (meterId, seq, registerWh, readAt, requestId) => {
          const r: Reading = { meterId, seq, registerWh, readAt };
          if (requestId !== undefined) r.requestId = requestId;
          expect(decodeReading(encodeReading(r))).toEqual(r);
        },
      ),
    );
  });

  it('keeps a leading byte-order mark, so decoding then encoding is the identity', () => {
    const bom = { ...reading, meterId: '\uFEFFM1' };
    const bytes = encodeReading(bom);
    expect(decodeReading(bytes)).toEqual(bom);
    expect(encodeReading(decodeReading(bytes))).toEqual(bytes);
  });

  it('rejects invalid UTF-8 in an id', () => {
    const bytes = encodeReading({ ...reading, meterId: 'MX' });
    bytes[27] = 0xff;
    expect(codeOf(() => decodeReading(bytes))).toBe('MALFORMED_FRAME');
  });

  it('rejects out-of-range fields when encoding', () => {
    expect(codeOf(() => encodeReading({ ...reading, seq: 0 }))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => encodeReading({ ...reading, registerWh: 1.5 }))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => encodeReading({ ...reading, meterId: '' }))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => encodeReading({ ...reading, meterId: 'x'.repeat(65) }))).toBe(
      'MALFORMED_FRAME',
    );
  });

  it('rejects trailing bytes, a wrong tag, a bad flag and values above 2^53-1', () => {
    const bytes = encodeReading(reading);
    expect(codeOf(() => decodeReading(Uint8Array.of(...bytes, 0)))).toBe('MALFORMED_FRAME');
    const wrongTag = bytes.slice();
    wrongTag[5] = 0x4e;
    expect(codeOf(() => decodeReading(wrongTag))).toBe('MALFORMED_FRAME');
    const badFlag = bytes.slice();
    badFlag[badFlag.length - 1] = 2;
    expect(codeOf(() => decodeReading(badFlag))).toBe('MALFORMED_FRAME');
    const huge = bytes.slice();
    huge.fill(0xff, 28, 36);
    expect(codeOf(() => decodeReading(huge))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeReading(bytes.subarray(0, 30)))).toBe('MALFORMED_FRAME');
  });

  it('rejects well-formed bytes of values encodeReading refuses (seq 0, an empty id)', () => {
    const seqZero = encodeReading(reading);
    seqZero.fill(0, 28, 36);
    expect(toHex(seqZero.subarray(28, 36))).toBe('0000000000000000');
    expect(codeOf(() => decodeReading(seqZero))).toBe('MALFORMED_FRAME');
    const emptyId = Uint8Array.of(
      ...seqZero.subarray(0, 24),
      0,
      0,
      ...encodeReading(reading).subarray(28),
    );
    expect(codeOf(() => decodeReading(emptyId))).toBe('MALFORMED_FRAME');
    const emptyRequest = Uint8Array.of(...encodeReading(reading).subarray(0, -1), 1, 0, 0);
    expect(codeOf(() => decodeReading(emptyRequest))).toBe('MALFORMED_FRAME');
  });
});

describe('frames', () => {
  it('classifies bad outer frames by code', () => {
    expect(codeOf(() => decodeFrame(new Uint8Array(Limits.maxFrameBytes + 1)))).toBe(
      'FRAME_TOO_LARGE',
    );
    expect(codeOf(() => decodeFrame(Uint8Array.of(2, 1)))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeFrame(Uint8Array.of(1, 0x77, 0, 0)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(Uint8Array.of(1)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(Uint8Array.of(1, 0x01, 0, 3, 0x61)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeFrame(Uint8Array.of(1, 0x11, ...new Uint8Array(8), 1, 2)))).toBe(
      'MALFORMED_FRAME',
    );
  });

  it('round-trips a plain error and refuses unknown codes', () => {
    const frame = encodePlainError({ code: 'HANDSHAKE_TIMEOUT', message: 'too slow' });
    expect(decodeFrame(frame)).toEqual({
      kind: 'plain-error',
      error: { code: 'HANDSHAKE_TIMEOUT', message: 'too slow' },
    });
    const bogus = Uint8Array.of(1, 0x0f, 0, 4, 0x4e, 0x4f, 0x50, 0x45, 0, 0);
    expect(codeOf(() => decodeFrame(bogus))).toBe('MALFORMED_FRAME');
  });

  it('round-trips every sealed message body', () => {
    const messages: Message[] = [
      { type: 'auth-ok', serverTime: 1_700_000_000_000 },
      { type: 'reading', canonical: encodeReading(reading), signature: new Uint8Array(64).fill(9) },
      { type: 'ack', seq: 7 },
      { type: 'read', requestId: 'r1', runId: 'run-2026-11' },
      { type: 'error', code: 'REPLAYED_SEQ', refSeq: 7, message: 'seq 7 <= 9' },
      { type: 'ping', nonce: 3 },
      { type: 'pong', nonce: 3 },
    ];
    for (const m of messages) {
      expect(decodeMessageBody(messageFrameType(m), encodeMessageBody(m))).toEqual(m);
    }
    expect(codeOf(() => decodeMessageBody(0x12, new Uint8Array(9)))).toBe('MALFORMED_FRAME');
  });
});

describe('readings and acks bodies', () => {
  const entry = (seq: number) => ({
    canonical: encodeReading({ ...reading, seq }),
    signature: new Uint8Array(64).fill(seq),
  });
  const readingsOf = (n: number): Message => ({
    type: 'readings',
    readings: Array.from({ length: n }, (_, i) => entry(i + 1)),
  });
  // u8 count ‖ entries, written by hand so a count the encoder refuses can be tried.
  const rawReadings = (count: number, entries: number) =>
    Uint8Array.of(
      count,
      ...Array.from({ length: entries }, (_, i) =>
        encodeMessageBody({ type: 'reading', ...entry(i + 1) }),
      ).flatMap((b) => [...b]),
    );
  const decodeReadings = (body: Uint8Array) => decodeMessageBody(FrameType.Readings, body);

  it('have the documented layout: a count, then reading bodies or u64 seqs', () => {
    const two = encodeMessageBody(readingsOf(2));
    expect(toHex(two)).toBe(toHex(rawReadings(2, 2)));
    expect(toHex(encodeMessageBody({ type: 'acks', seqs: [1, 258] }))).toBe(
      '02' + '0000000000000001' + '0000000000000102',
    );
  });

  it('round-trip from 1 to 16 entries', () => {
    for (const n of [1, 2, Limits.maxReadingsPerFrame]) {
      expect(decodeReadings(encodeMessageBody(readingsOf(n)))).toEqual(readingsOf(n));
      const acks: Message = { type: 'acks', seqs: Array.from({ length: n }, (_, i) => i * 7) };
      expect(decodeMessageBody(FrameType.Acks, encodeMessageBody(acks))).toEqual(acks);
    }
  });

  it('the largest batch of 16 readings with 64-byte ids fits in a frame', () => {
    const big = { ...reading, meterId: 'm'.repeat(64), requestId: 'r'.repeat(64) };
    const body = encodeMessageBody({
      type: 'readings',
      readings: Array.from({ length: 16 }, (_, i) => ({
        canonical: encodeReading({ ...big, seq: i + 1 }),
        signature: new Uint8Array(64),
      })),
    });
    expect(body.length + 10 + 16).toBeLessThanOrEqual(Limits.maxFrameBytes);
  });

  it('refuse count 0, a count over 16, trailing bytes and a truncated entry', () => {
    expect(codeOf(() => decodeReadings(rawReadings(0, 0)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeReadings(rawReadings(17, 17)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeReadings(Uint8Array.of(...rawReadings(2, 2), 0)))).toBe(
      'MALFORMED_FRAME',
    );
    expect(codeOf(() => decodeReadings(rawReadings(3, 2)))).toBe('MALFORMED_FRAME');
    const full = rawReadings(2, 2);
    expect(codeOf(() => decodeReadings(full.subarray(0, full.length - 1)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeReadings(new Uint8Array(0)))).toBe('MALFORMED_FRAME');
    const acks = (count: number, seqs: number) => Uint8Array.of(count, ...new Uint8Array(8 * seqs));
    expect(codeOf(() => decodeMessageBody(FrameType.Acks, acks(0, 0)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeMessageBody(FrameType.Acks, acks(17, 17)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeMessageBody(FrameType.Acks, acks(2, 1)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => decodeMessageBody(FrameType.Acks, acks(1, 2)))).toBe('MALFORMED_FRAME');
  });

  it('are not encoded with 0 or more than 16 entries', () => {
    expect(codeOf(() => encodeMessageBody(readingsOf(0)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => encodeMessageBody(readingsOf(17)))).toBe('MALFORMED_FRAME');
    expect(codeOf(() => encodeMessageBody({ type: 'acks', seqs: [] }))).toBe('MALFORMED_FRAME');
  });
});

describe('u64 fields', () => {
  const bytesOf = (n: number | bigint) => new ByteWriter().u64(n).finish();
  const bigEndian = (v: bigint) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, v);
    return out;
  };

  it('writes numbers and bigints as the same big-endian bytes, and reads them back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(bytesOf(n)).toEqual(bigEndian(BigInt(n)));
        expect(bytesOf(BigInt(n))).toEqual(bigEndian(BigInt(n)));
        expect(new ByteReader(bytesOf(n)).u64()).toBe(n);
      }),
      { numRuns: 500 },
    );
    expect(bytesOf(2n ** 64n - 1n)).toEqual(new Uint8Array(8).fill(0xff));
  });

  it('refuses to write negatives or 2^64, and to read above 2^53-1 as a number', () => {
    expect(() => bytesOf(-1)).toThrow(RangeError);
    expect(() => bytesOf(2n ** 64n)).toThrow(RangeError);
    expect(() => bytesOf(1.5)).toThrow(RangeError);
    expect(new ByteReader(bigEndian(2n ** 53n - 1n)).u64()).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => new ByteReader(bigEndian(2n ** 53n)).u64()).toThrow(ProtocolError);
  });

  it('reads any u64 rounded, exact up to 2^53-1 (frame counters)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(new ByteReader(bytesOf(n)).u64Rounded()).toBe(n);
      }),
      { numRuns: 500 },
    );
    expect(new ByteReader(bigEndian(2n ** 53n)).u64Rounded()).toBe(2 ** 53);
    expect(new ByteReader(bigEndian(2n ** 64n - 1n)).u64Rounded()).toBe(2 ** 64);
  });
});
