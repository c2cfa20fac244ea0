// Format checks for the secp256k1 material meters and gateways carry: public
// keys as 33-byte compressed hex (02/03 prefix, a point on the curve) and
// signatures as 64-byte compact r||s hex. Pure: parsing a point is arithmetic,
// not IO, so deciders may use it. Verifying signatures is the gateway's job.

import { Point } from '@noble/secp256k1';

const COMPRESSED_HEX = /^0[23][0-9a-f]{64}$/;
const COMPACT_SIGNATURE_HEX = /^[0-9a-f]{128}$/;

/** Lower-cased key if it is a valid compressed secp256k1 public key, else null. */
export function normalisePublicKey(hex: string): string | null {
  const key = hex.trim().toLowerCase();
  if (!COMPRESSED_HEX.test(key)) return null;
  try {
    Point.fromHex(key);
    return key;
  } catch {
    // 02/03 followed by an x that has no point on the curve.
    return null;
  }
}

/** Lower-cased signature if it has the compact r||s shape, else null. */
export function normaliseSignature(hex: string): string | null {
  const signature = hex.trim().toLowerCase();
  return COMPACT_SIGNATURE_HEX.test(signature) ? signature : null;
}
