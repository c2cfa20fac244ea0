// Picks the fastest verifier that loads here: native when the binding loads,
// @noble otherwise. `verifyReadingSignature` is the synchronous entry point.

import { nativeVerify } from './native.ts';
import { nobleVerify } from './noble.ts';
import type { ReadingVerifier, VerifierKind, VerifyFn } from './types.ts';

export const verifierKind: VerifierKind = nativeVerify ? 'native' : 'noble';

export const verifierFor = (kind: VerifierKind): VerifyFn | undefined =>
  kind === 'native' ? nativeVerify : nobleVerify;

/** Verify a reading signature (33- or 65-byte key, SHA-256 hash, 64-byte r‖s, low-S). */
export const verifyReadingSignature: VerifyFn = nativeVerify ?? nobleVerify;

/** The in-thread verifier, for tests and small deployments; the pool is the hot path. */
export const inlineVerifier = (kind: VerifierKind = verifierKind): ReadingVerifier => {
  const fn = verifierFor(kind);
  if (!fn) throw new Error(`verifier ${kind} is not available on this machine`);
  return {
    kind: `inline-${kind}`,
    verify: async ({ publicKey, hash, signature }) => fn(publicKey, hash, signature),
    close: async () => {},
  };
};
