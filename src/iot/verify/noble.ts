// Pure-JS fallback verifier over @noble/secp256k1: always available, slow.

import { nobleVerifyHash } from '../crypto/ecdsa.ts';
import type { VerifyFn } from './types.ts';

export const nobleVerify: VerifyFn = nobleVerifyHash;
