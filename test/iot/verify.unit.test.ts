// Native and @noble verifiers agree on valid and invalid signatures, and both
// refuse malleated (high-S) ones; the selection prefers native.

import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  HALF_N,
  isLowS,
  malleate,
  publicKeyOf,
  sValue,
  signHash,
  uncompressedPublicKey,
} from '../../src/iot/crypto/ecdsa.ts';
import { nativeVerify } from '../../src/iot/verify/native.ts';
import { nobleVerify } from '../../src/iot/verify/noble.ts';
import { verifierKind, verifyReadingSignature } from '../../src/iot/verify/select.ts';
import type { VerifyFn } from '../../src/iot/verify/types.ts';

const native = nativeVerify as VerifyFn;
const priv = sha256(new TextEncoder().encode('verify test key'));
const pub = publicKeyOf(priv);
const otherPub = publicKeyOf(sha256(new TextEncoder().encode('another key')));
const hash = sha256(new TextEncoder().encode('a reading'));
const sig = signHash(hash, priv);

const flip = (b: Uint8Array, bit: number) => {
  const out = b.slice();
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
};

describe('signature verification', () => {
  it('loads the native binding here and selects it', () => {
    expect(nativeVerify).toBeDefined();
    expect(verifierKind).toBe('native');
    expect(verifyReadingSignature(pub, hash, sig)).toBe(true);
  });

  it('tells low-S byte by byte exactly as the BigInt comparison does', () => {
    const withS = (s: bigint) => {
      const out = new Uint8Array(64);
      for (let i = 63, v = s; i >= 32; i--, v >>= 8n) out[i] = Number(v & 0xffn);
      return out;
    };
    for (const s of [0n, 1n, HALF_N - 1n, HALF_N, HALF_N + 1n, 2n ** 256n - 1n])
      expect(isLowS(withS(s)), `s = ${s}`).toBe(s <= HALF_N);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (sig64) => {
        expect(isLowS(sig64)).toBe(sValue(sig64) <= HALF_N);
      }),
      { numRuns: 500 },
    );
  });

  it('signs low-S and the malleated twin is high-S', () => {
    expect(isLowS(sig)).toBe(true);
    const high = malleate(sig);
    expect(sValue(high) > HALF_N).toBe(true);
    expect(isLowS(high)).toBe(false);
  });

  for (const [name, verify] of [
    ['native', native],
    ['noble', nobleVerify],
  ] as const) {
    describe(name, () => {
      it('accepts the valid signature', () => expect(verify(pub, hash, sig)).toBe(true));
      it('rejects the high-S malleated signature', () =>
        expect(verify(pub, hash, malleate(sig))).toBe(false));
      it('rejects a flipped bit in the signature', () =>
        expect(verify(pub, hash, flip(sig, 100))).toBe(false));
      it('rejects a flipped bit in the hash', () =>
        expect(verify(pub, flip(hash, 3), sig)).toBe(false));
      it('rejects the wrong key', () => expect(verify(otherPub, hash, sig)).toBe(false));
      it('verifies under the uncompressed key too, and refuses a wrong one', () => {
        expect(verify(uncompressedPublicKey(pub), hash, sig)).toBe(true);
        expect(verify(uncompressedPublicKey(otherPub), hash, sig)).toBe(false);
      });
      it('returns false, not throws, on garbage', () => {
        expect(verify(new Uint8Array(33), hash, sig)).toBe(false);
        expect(verify(pub, hash, new Uint8Array(64))).toBe(false);
        expect(verify(pub, hash, new Uint8Array(64).fill(0xff))).toBe(false);
        expect(verify(pub, hash, sig.subarray(0, 63))).toBe(false);
        expect(verify(pub, hash.subarray(0, 31), sig)).toBe(false);
      });
    });
  }

  it('native and noble agree on random keys, messages and single-bit corruptions', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: -1, max: 64 * 8 - 1 }),
        (seed, msg, bit) => {
          const key = sha256(seed);
          const h = sha256(msg);
          const good = signHash(h, key);
          const s = bit < 0 ? good : flip(good, bit);
          const p = publicKeyOf(key);
          const n = native(p, h, s);
          expect(nobleVerify(p, h, s)).toBe(n);
          expect(n).toBe(bit < 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('verifier selection without the native binding', () => {
  it('falls back to @noble, still verifying and still refusing high-S', () => {
    // A fresh process, because the binding is loaded once at import time.
    const script = `
      import { verifierKind, verifyReadingSignature } from './src/iot/verify/select.ts';
      import { nodeBackend } from './src/iot/crypto/node-backend.ts';
      import { malleate, publicKeyOf, signHash } from './src/iot/crypto/ecdsa.ts';
      const key = new Uint8Array(32).fill(7);
      const hash = new Uint8Array(32).fill(9);
      const sig = signHash(hash, key);
      console.log(JSON.stringify({
        kind: verifierKind,
        backend: nodeBackend.name,
        valid: verifyReadingSignature(publicKeyOf(key), hash, sig),
        highS: verifyReadingSignature(publicKeyOf(key), hash, malleate(sig)),
      }));`;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        env: { ...process.env, METERLEDGER_DISABLE_NATIVE: '1' },
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out.trim().split('\n').at(-1) as string)).toEqual({
      kind: 'noble',
      backend: 'node+noble-sign',
      valid: true,
      highS: false,
    });
  });
});
