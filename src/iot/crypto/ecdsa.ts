// ECDSA over secp256k1 with @noble only, so the meter side (devices/) can use
// it as firmware would: sign a 32-byte SHA-256 hash (no second hashing),
// 64-byte compact r‖s, low-S. Also key generation and ECDH.

import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

// noble's synchronous API needs these wired once; RFC 6979 nonces use the HMAC.
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key, msg) => hmac(sha256, key, msg);

/** Half the group order: a signature with s above it is the malleated twin. */
export const HALF_N = secp.Point.CURVE().n >> 1n;
export const CURVE_N = secp.Point.CURVE().n;

export const sValue = (sig64: Uint8Array): bigint =>
  BigInt('0x' + secp.etc.bytesToHex(sig64.subarray(32, 64)));

const HALF_N_BYTES = secp.etc.hexToBytes(HALF_N.toString(16).padStart(64, '0'));

/**
 * s ≤ n/2, comparing big-endian bytes: every verification asks, and a hex
 * string and BigInt per signature cost the verify workers a microsecond or two.
 */
export const isLowS = (sig64: Uint8Array): boolean => {
  if (sig64.length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const s = sig64[32 + i] as number;
    const half = HALF_N_BYTES[i] as number;
    if (s !== half) return s < half;
  }
  return true;
};

/** Deterministic (RFC 6979) low-S signature of a 32-byte message hash. */
export const signHash = (hash32: Uint8Array, privateKey: Uint8Array): Uint8Array =>
  secp.sign(hash32, privateKey, { prehash: false, lowS: true });

/** Pure-JS verification; `prehash: false` because callers pass the hash itself. */
export const nobleVerifyHash = (
  publicKey: Uint8Array,
  hash32: Uint8Array,
  sig64: Uint8Array,
): boolean => {
  if (sig64.length !== 64 || hash32.length !== 32 || !isLowS(sig64)) return false;
  try {
    return secp.verify(sig64, hash32, publicKey, { prehash: false, lowS: true });
  } catch {
    // noble throws on unparsable keys or r/s out of range: that is a bad signature.
    return false;
  }
};

export const publicKeyOf = (privateKey: Uint8Array): Uint8Array =>
  secp.getPublicKey(privateKey, true);

/** The 65-byte uncompressed form of a valid public key (throws on an invalid one). */
export const uncompressedPublicKey = (pub: Uint8Array): Uint8Array =>
  secp.Point.fromBytes(pub).toBytes(false);

export const randomPrivateKey = (): Uint8Array => secp.utils.randomSecretKey();

export const isValidPublicKey = (pub: Uint8Array): boolean => {
  try {
    secp.Point.fromBytes(pub);
    return true;
  } catch {
    return false;
  }
};

/** The x-coordinate of privateKey × publicKey: the ECDH input keying material. */
export const ecdhX = (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array =>
  secp.getSharedSecret(privateKey, publicKey, true).subarray(1);

/** s' = n - s: the high-S twin of a signature, valid under lax rules. For tests and docs. */
export const malleate = (sig64: Uint8Array): Uint8Array => {
  const out = sig64.slice();
  const s = CURVE_N - sValue(sig64);
  out.set(secp.etc.hexToBytes(s.toString(16).padStart(64, '0')), 32);
  return out;
};
