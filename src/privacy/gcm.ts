// AES-256-GCM with a random 96-bit IV and the tag appended to the ciphertext,
// shared by the vault's data sealing and its key wrapping.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const IV_BYTES = 12;
const TAG_BYTES = 16;

export function encrypt(key: Uint8Array, plain: Buffer, aad: Buffer): { iv: Buffer; ct: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const ct = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { iv, ct };
}

/** Throws on a wrong key or any tampering: GCM never hands back unauthenticated bytes. */
export function decrypt(key: Uint8Array, iv: Buffer, ctAndTag: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || ctAndTag.length < TAG_BYTES) throw new Error('truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad);
  decipher.setAuthTag(ctAndTag.subarray(ctAndTag.length - TAG_BYTES));
  return Buffer.concat([decipher.update(ctAndTag.subarray(0, -TAG_BYTES)), decipher.final()]);
}
