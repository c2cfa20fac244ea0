// Native libsecp256k1 verifier (the `secp256k1` package's N-API binding).
// libsecp256k1's ecdsa_verify already refuses high-S; we still check low-S
// ourselves so the rule holds whatever the binding does, and we load the
// binding directly so a failed build never silently becomes the package's own
// pure-JS `elliptic` fallback.

import { createRequire } from 'node:module';
import { isLowS } from '../crypto/ecdsa.ts';
import type { VerifyFn } from './types.ts';

interface NativeSecp256k1 {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
}

const load = (): NativeSecp256k1 | undefined => {
  try {
    const require = createRequire(import.meta.url);
    // The package's `bindings` entry is the binding alone; `index.js` would fall back to JS.
    return require('secp256k1/bindings') as NativeSecp256k1;
  } catch {
    return undefined;
  }
};

const binding = process.env.METERLEDGER_DISABLE_NATIVE === '1' ? undefined : load();

/** undefined when the native binding did not load on this machine. */
export const nativeVerify: VerifyFn | undefined =
  binding &&
  ((publicKey, hash32, sig64) => {
    if (sig64.length !== 64 || hash32.length !== 32 || !isLowS(sig64)) return false;
    if (publicKey.length !== 33 && publicKey.length !== 65) return false;
    try {
      return binding.ecdsaVerify(sig64, hash32, publicKey);
    } catch {
      // The binding throws when r/s or the key do not parse: a bad signature, not a crash.
      return false;
    }
  });
