// The handshake's hashes and key schedule: what the gateway signs in `hello`,
// the transcript the meter signs in `auth`, and the per-direction AES-256-GCM
// keys both sides derive from the ephemeral ECDH secret.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ByteWriter, utf8Bytes } from '../protocol/bytes.ts';
import { PROTOCOL_VERSION, Tags } from '../protocol/constants.ts';
import type { Hello } from '../protocol/frames.ts';
import type { CryptoBackend } from './backend.ts';
import { ecdhX as nobleEcdhX } from './ecdsa.ts';

/** SHA-256(lp(tag) ‖ u8 version ‖ lp(gatewayId) ‖ lp(nonce) ‖ lp(ephemeralPublicKey)). */
export const helloSigningHash = (h: Omit<Hello, 'signature'>): Uint8Array =>
  sha256(
    new ByteWriter()
      .lp(utf8Bytes(Tags.hello))
      .u8(PROTOCOL_VERSION)
      .str(h.gatewayId)
      .lp(h.nonce)
      .lp(h.ephemeralPublicKey)
      .finish(),
  );

/**
 * SHA-256(lp("meterledger/v1/handshake") ‖ u8 version ‖ lp(gatewayId) ‖
 * lp(nonce) ‖ lp(gateway ephemeral) ‖ lp(hello signature) ‖ lp(meterId) ‖
 * lp(meter ephemeral)): everything both sides said before keys exist.
 */
export const transcriptHash = (
  hello: Hello,
  meterId: string,
  meterEphemeralPublicKey: Uint8Array,
): Uint8Array =>
  sha256(
    new ByteWriter()
      .lp(utf8Bytes(Tags.handshake))
      .u8(PROTOCOL_VERSION)
      .str(hello.gatewayId)
      .lp(hello.nonce)
      .lp(hello.ephemeralPublicKey)
      .lp(hello.signature)
      .str(meterId)
      .lp(meterEphemeralPublicKey)
      .finish(),
  );

export interface SessionKeys {
  meterToGateway: Uint8Array;
  gatewayToMeter: Uint8Array;
}

/** HKDF-SHA256(ikm = ECDH x, salt = transcript hash, info = direction label, L = 32). */
export const deriveSessionKeys = (
  ownEphemeralPrivateKey: Uint8Array,
  peerEphemeralPublicKey: Uint8Array,
  transcript: Uint8Array,
  ecdhX: CryptoBackend['ecdhX'] = nobleEcdhX,
): SessionKeys => {
  const ikm = ecdhX(ownEphemeralPrivateKey, peerEphemeralPublicKey);
  return {
    meterToGateway: hkdf(sha256, ikm, transcript, utf8Bytes(Tags.meterToGateway), 32),
    gatewayToMeter: hkdf(sha256, ikm, transcript, utf8Bytes(Tags.gatewayToMeter), 32),
  };
};
