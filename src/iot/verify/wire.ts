// Messages between the verify pool and its workers. Items are packed into one
// transferable buffer so a batch crosses threads without per-item copies.

import type { VerifierKind, VerifyItem } from './types.ts';

/**
 * Public key slot (65: a compressed 33-byte key is followed by zeros) ‖
 * SHA-256 hash (32) ‖ compact signature (64). The gateway's sessions verify
 * readings under uncompressed keys, which libsecp256k1 parses faster.
 */
export const KEY_SLOT_BYTES = 65;
export const ITEM_BYTES = KEY_SLOT_BYTES + 32 + 64;

export interface WorkerRequest {
  id: number;
  packed: ArrayBuffer;
}

export type WorkerReply =
  { type: 'ready'; kind: VerifierKind } | { type: 'results'; id: number; results: Uint8Array };

/** Items whose fields have the wrong size are packed as zeros, which never verify. */
export const packItems = (items: readonly VerifyItem[]): ArrayBuffer => {
  const packed = new Uint8Array(items.length * ITEM_BYTES);
  items.forEach((item, i) => {
    const at = i * ITEM_BYTES;
    const keyBytes = item.publicKey.length;
    if ((keyBytes !== 33 && keyBytes !== 65) || item.hash.length !== 32) return;
    if (item.signature.length !== 64) return;
    packed.set(item.publicKey, at);
    packed.set(item.hash, at + KEY_SLOT_BYTES);
    packed.set(item.signature, at + KEY_SLOT_BYTES + 32);
  });
  return packed.buffer;
};

/** The key in a packed slot: 65 bytes when it starts with 0x04 (uncompressed), else 33. */
export const packedKey = (packed: Uint8Array, at: number): Uint8Array =>
  packed.subarray(at, at + (packed[at] === 0x04 ? 65 : 33));
