// Per-direction AES-256-GCM: only the next counter opens; any change to the
// header, ciphertext or tag fails authentication.

import { describe, expect, it } from 'vitest';
import { Opener, Sealer } from '../../src/iot/crypto/aead-session.ts';
import { FrameType } from '../../src/iot/protocol/constants.ts';
import { ProtocolError } from '../../src/iot/protocol/errors.ts';
import { decodeFrame, type SealedFrame } from '../../src/iot/protocol/frames.ts';

const key = new Uint8Array(32).fill(5);
const sealed = (bytes: Uint8Array): SealedFrame => {
  const f = decodeFrame(bytes);
  if (f.kind !== 'sealed') throw new Error('not sealed');
  return f.sealed;
};
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'opened';
  } catch (err) {
    return err instanceof ProtocolError ? err.code : String(err);
  }
};
const body = new TextEncoder().encode('hello meter');

describe('sealed frames', () => {
  it('opens frames in counter order', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    const a = s.seal(FrameType.Ping, body);
    const b = s.seal(FrameType.Ping, body);
    expect(a.subarray(0, 10)).toEqual(Uint8Array.of(1, 0x15, 0, 0, 0, 0, 0, 0, 0, 0));
    expect(b[9]).toBe(1);
    expect(o.open(sealed(a))).toEqual(body);
    expect(o.open(sealed(b))).toEqual(body);
  });

  it('refuses a replayed frame and a skipped-ahead frame', () => {
    const s = new Sealer(key);
    const o = new Opener(key);
    const a = s.seal(FrameType.Ping, body);
    s.seal(FrameType.Ping, body);
    const c = s.seal(FrameType.Ping, body);
    o.open(sealed(a));
    expect(codeOf(() => o.open(sealed(a)))).toBe('REPLAYED_FRAME');
    expect(codeOf(() => o.open(sealed(c)))).toBe('FRAME_OUT_OF_ORDER');
  });

  it('refuses counters past 2^53 as out of order (they are read rounded)', () => {
    for (const high of [0x0020_0000, 0xffff_ffff]) {
      const frame = new Sealer(key).seal(FrameType.Ping, body);
      new DataView(frame.buffer, frame.byteOffset).setUint32(2, high);
      expect(
        codeOf(() => new Opener(key).open(sealed(frame))),
        `high ${high}`,
      ).toBe('FRAME_OUT_OF_ORDER');
    }
  });

  it('fails authentication on any flipped bit of header type, ciphertext or tag', () => {
    const frame = new Sealer(key).seal(FrameType.Ping, body);
    for (const at of [1, 12, frame.length - 1]) {
      const bad = frame.slice();
      // 0x15 ^ 0x01 is 0x14, still a sealed type: only the AEAD can notice.
      bad[at] = (bad[at] as number) ^ 0x01;
      const code = codeOf(() => new Opener(key).open(sealed(bad)));
      expect(code, `byte ${at}`).toBe('DECRYPT_FAILED');
    }
  });

  it('fails under the other direction key', () => {
    const frame = new Sealer(key).seal(FrameType.Ping, body);
    expect(codeOf(() => new Opener(new Uint8Array(32)).open(sealed(frame)))).toBe('DECRYPT_FAILED');
  });
});
