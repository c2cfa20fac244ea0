// Messages between the verify pool and its workers. Items are packed into one
// transferable buffer so a batch crosses threads without per-item copies.

import type { VerifierKind, VerifyItem } from './types.ts';

/** Compressed public key (33) ‖ SHA-256 hash (32) ‖ compact signature (64). */
export const ITEM_BYTES = 33 + 32 + 64;

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
    if (item.publicKey.length !== 33 || item.hash.length !== 32 || item.signature.length !== 64) {
      return;
    }
    packed.set(item.publicKey, at);
    packed.set(item.hash, at + 33);
    packed.set(item.signature, at + 65);
  });
  return packed.buffer;
};
