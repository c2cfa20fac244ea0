// The gateway's OpenSSL/libsecp256k1 backend and the meters' @noble backend
// must produce identical bytes: keys, ECDH secrets, signatures, ciphertexts.

import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { nobleBackend } from '../../src/iot/crypto/backend.ts';
import { nodeBackend } from '../../src/iot/crypto/node-backend.ts';

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((seed) => sha256(seed));

describe('crypto backends', () => {
  it('uses the native signer on this machine', () => {
    expect(nodeBackend.name).toBe('node+native');
  });

  it('agree on public keys, ECDH x-coordinates and signatures', () => {
    fc.assert(
      fc.property(key32, key32, key32, (a, b, hash) => {
        const pubB = nobleBackend.publicKeyOf(b);
        expect(nodeBackend.publicKeyOf(a)).toEqual(nobleBackend.publicKeyOf(a));
        const x = nodeBackend.ecdhX(a, pubB);
        expect(x).toHaveLength(32);
        expect(x).toEqual(nobleBackend.ecdhX(a, pubB));
        expect(nodeBackend.signHash(hash, a)).toEqual(nobleBackend.signHash(hash, a));
        const uncompressed = nobleBackend.uncompressedPublicKey(pubB);
        expect(uncompressed).toHaveLength(65);
        expect(nodeBackend.uncompressedPublicKey(pubB)).toEqual(uncompressed);
      }),
      { numRuns: 40 },
    );
  });

  it('agree on an ECDH secret with a leading zero byte (kept, 32 bytes)', () => {
    // Found by search: this pair's shared x-coordinate starts with 0x00.
    const enc = new TextEncoder();
    const peer = nobleBackend.publicKeyOf(sha256(enc.encode('peer')));
    const priv = sha256(enc.encode('leading zero 830'));
    const x = nobleBackend.ecdhX(priv, peer);
    expect(x[0]).toBe(0);
    expect(x).toHaveLength(32);
    expect(nodeBackend.ecdhX(priv, peer)).toEqual(x);
  });

  it('agree on which bytes are a public key: points, not off-curve x, bad prefixes or lengths', () => {
    fc.assert(
      fc.property(key32, fc.uint8Array({ minLength: 0, maxLength: 66 }), (a, junk) => {
        const pub = nobleBackend.publicKeyOf(a);
        expect(nodeBackend.isValidPublicKey(pub)).toBe(true);
        for (const candidate of [junk, Uint8Array.of(0x02, ...junk.subarray(0, 32))])
          expect(nodeBackend.isValidPublicKey(candidate)).toBe(
            nobleBackend.isValidPublicKey(candidate),
          );
      }),
      { numRuns: 200 },
    );
    const pub = nobleBackend.publicKeyOf(sha256(new TextEncoder().encode('k')));
    for (const bad of [
      Uint8Array.of(0x05, ...pub.subarray(1)),
      new Uint8Array(33),
      pub.subarray(1),
    ])
      expect([nodeBackend.isValidPublicKey(bad), nobleBackend.isValidPublicKey(bad)]).toEqual([
        false,
        false,
      ]);
  });

  it('seal identically and open each other’s frames, refusing tampering', () => {
    fc.assert(
      fc.property(
        key32,
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 10 }),
        (key, body, aad) => {
          const nonce = key.subarray(0, 12);
          const sealed = nodeBackend.aead.seal(key, nonce, aad, body);
          expect(sealed).toEqual(nobleBackend.aead.seal(key, nonce, aad, body));
          expect(nobleBackend.aead.open(key, nonce, aad, sealed)).toEqual(body);
          expect(nodeBackend.aead.open(key, nonce, aad, sealed)).toEqual(body);
          const bad = sealed.slice();
          bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
          expect(() => nodeBackend.aead.open(key, nonce, aad, bad)).toThrow();
        },
      ),
      { numRuns: 40 },
    );
    expect(() =>
      nodeBackend.aead.open(
        new Uint8Array(32),
        new Uint8Array(12),
        new Uint8Array(),
        new Uint8Array(5),
      ),
    ).toThrow();
  });
});
