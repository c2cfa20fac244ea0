// The master keys that wrap each subject's data key: the current one wraps
// every new key, previous ones (VAULT_PREVIOUS_MASTER_KEYS) still unwrap rows
// that `ledger rotate-vault-key` has not re-wrapped yet. Each row records the
// id of the key that wrapped it: a short SHA-256 of the key, safe to show.

import { createHash } from 'node:crypto';
import { decrypt, encrypt, IV_BYTES } from './gcm.ts';
import { VaultError } from './vault-error.ts';

const MASTER_KEY_BYTES = 32;

export const masterKeyId = (key: Uint8Array): string =>
  createHash('sha256')
    .update('meterledger/master-key-id/v1\0')
    .update(key)
    .digest('hex')
    .slice(0, 16);

// Binding the subject into the associated data stops a wrapped key row being
// passed off as another subject's.
const keyAad = (subject: string) => Buffer.from(`meterledger/subject-key/v1\0${subject}`);

export interface MasterKeyring {
  /** Id of the key every new subject key is wrapped under. */
  readonly currentId: string;
  /** Ids of every configured key, current first. */
  readonly ids: readonly string[];
  wrap(subject: string, dataKey: Buffer): { wrapped: Buffer; keyId: string };
  /** `keyId` null: a row wrapped before ids were recorded; each configured key is tried. */
  unwrap(subject: string, wrapped: Uint8Array, keyId: string | null): Buffer;
  /** Overwrites the keys in memory; the keyring is unusable afterwards. */
  wipe(): void;
}

export function masterKeyring(
  current: Uint8Array,
  previous: readonly Uint8Array[] = [],
): MasterKeyring {
  const keys = new Map<string, Buffer>();
  [current, ...previous].forEach((key, index) => {
    if (key.length !== MASTER_KEY_BYTES) {
      const which = index === 0 ? 'the master key' : `previous master key number ${index}`;
      throw new VaultError('INVALID_MASTER_KEY', `${which} must be exactly 32 bytes`);
    }
    const id = masterKeyId(key);
    if (!keys.has(id)) keys.set(id, Buffer.from(key));
  });
  const currentId = masterKeyId(current);
  const currentKey = keys.get(currentId)!;
  const ids = [...keys.keys()];

  const tryUnwrap = (key: Buffer, subject: string, bytes: Buffer): Buffer | null => {
    try {
      return decrypt(key, bytes.subarray(0, IV_BYTES), bytes.subarray(IV_BYTES), keyAad(subject));
    } catch {
      return null;
    }
  };

  return {
    currentId,
    ids,
    wrap(subject, dataKey) {
      const { iv, ct } = encrypt(currentKey, dataKey, keyAad(subject));
      return { wrapped: Buffer.concat([iv, ct]), keyId: currentId };
    },
    unwrap(subject, wrapped, keyId) {
      const bytes = Buffer.from(wrapped);
      if (keyId === null) {
        for (const key of keys.values()) {
          const plain = tryUnwrap(key, subject, bytes);
          if (plain) return plain;
        }
        throw new VaultError(
          'KEY_UNWRAP_FAILED',
          `cannot unwrap the key of ${subject} (wrapped before key ids were recorded) with any configured master key (ids ${ids.join(', ')})`,
        );
      }
      const key = keys.get(keyId);
      if (!key)
        throw new VaultError(
          'MASTER_KEY_NOT_CONFIGURED',
          `the key of ${subject} is wrapped under master key id ${keyId}, which is not configured: set it in VAULT_PREVIOUS_MASTER_KEYS (configured ids: ${ids.join(', ')})`,
        );
      const plain = tryUnwrap(key, subject, bytes);
      if (!plain)
        throw new VaultError(
          'KEY_UNWRAP_FAILED',
          `cannot unwrap the key of ${subject} with master key id ${keyId}: the row was altered`,
        );
      return plain;
    },
    wipe() {
      for (const key of keys.values()) key.fill(0);
    },
  };
}
