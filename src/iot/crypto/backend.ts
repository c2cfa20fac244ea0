// The primitives a session needs, behind one interface so each side can pick
// its implementation: meters use @noble only (as firmware would), the gateway
// uses OpenSSL and libsecp256k1 (node-backend.ts) because it runs thousands of
// handshakes and frames per second. Both must produce identical bytes.

import { gcm } from '@noble/ciphers/aes.js';
import {
  ecdhX,
  isValidPublicKey,
  publicKeyOf,
  randomPrivateKey,
  signHash,
  uncompressedPublicKey,
} from './ecdsa.ts';

/** AES-256-GCM with a 16-byte tag appended to the ciphertext. */
export interface Aead {
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array;
}

export interface CryptoBackend {
  readonly name: string;
  readonly aead: Aead;
  randomPrivateKey(): Uint8Array;
  /** 33-byte compressed public key. */
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  /** RFC 6979, low-S, 64-byte compact signature of a 32-byte hash (not hashed again). */
  signHash(hash32: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** The 32-byte x-coordinate of privateKey × publicKey. */
  ecdhX(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** Whether the bytes are a valid SEC1 encoding of a point on the curve. */
  isValidPublicKey(publicKey: Uint8Array): boolean;
  /** The 65-byte uncompressed form of a valid public key; throws on an invalid one. */
  uncompressedPublicKey(publicKey: Uint8Array): Uint8Array;
}

export const nobleAead: Aead = {
  seal: (key, nonce, aad, plaintext) => gcm(key, nonce, aad).encrypt(plaintext),
  open: (key, nonce, aad, sealed) => gcm(key, nonce, aad).decrypt(sealed),
};

export const nobleBackend: CryptoBackend = {
  name: 'noble',
  aead: nobleAead,
  randomPrivateKey,
  publicKeyOf,
  signHash,
  ecdhX,
  isValidPublicKey,
  uncompressedPublicKey,
};
