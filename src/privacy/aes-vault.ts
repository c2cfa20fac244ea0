// The PersonalDataVault over AES-256-GCM (node:crypto). Each subject gets a
// random 256-bit data key on first seal; keys live in privacy.subject_keys,
// wrapped under a master key from configuration (each row names which one:
// master-keys.ts), so a database dump alone reveals nothing. Forget clears the key (crypto-shredding); every process
// evicts it from its cache on the NOTIFY that forget sends, and cache entries
// expire anyway so a missed notification cannot keep a key alive for long.

import { randomBytes } from 'node:crypto';
import type { SqlDatabase } from '../db/sql.ts';
import type { JsonObject } from '../eventstore/port.ts';
import { decrypt, encrypt } from './gcm.ts';
import { masterKeyring } from './master-keys.ts';
import { sealedPersonalDataSchema } from './sealed.ts';
import { VaultError } from './vault-error.ts';
import type { PersonalDataVault, SealedPersonalData } from './vault.ts';

export { VaultError, type VaultErrorCode } from './vault-error.ts';

export interface AesVault extends PersonalDataVault {
  /** Stops listening for other processes' forgets and wipes cached keys. */
  close(): Promise<void>;
}

export interface AesVaultOptions {
  db: SqlDatabase;
  /** 32 bytes from configuration; wraps every new subject key. */
  masterKey: Uint8Array;
  /** Earlier master keys, 32 bytes each: they still unwrap rows not yet re-wrapped. */
  previousMasterKeys?: readonly Uint8Array[];
  /** How long an unwrapped key may stay in memory; default one minute. */
  cacheTtlMs?: number;
}

const FORGET_CHANNEL = 'privacy_forget';
// Binding the subject into the associated data stops a ciphertext being passed off as another subject's.
const dataAad = (subject: string) => Buffer.from(`meterledger/personal-data/v1\0${subject}`);

type KeyRow = { wrapped_key: Uint8Array | null; key_id: string | null };
type CachedKey = { key: Buffer; expiresAt: number };

export async function openAesVault(options: AesVaultOptions): Promise<AesVault> {
  const { db } = options;
  const keyring = masterKeyring(options.masterKey, options.previousMasterKeys);
  const ttl = options.cacheTtlMs ?? 60_000;
  const cache = new Map<string, CachedKey>();
  // Bumped by every forget; a key read from the database before a forget that
  // lands while the read is in flight must not be cached afterwards.
  let forgetEpoch = 0;

  const evict = (subject: string) => {
    forgetEpoch++;
    cache.get(subject)?.key.fill(0);
    cache.delete(subject);
  };
  const unlisten = await db.listen(FORGET_CHANNEL, evict);

  /** The subject's key; null if forgotten; undefined if the subject has no row. */
  async function loadKey(subject: string): Promise<Buffer | null | undefined> {
    const hit = cache.get(subject);
    if (hit && hit.expiresAt > Date.now()) return hit.key;
    if (hit) {
      hit.key.fill(0);
      cache.delete(subject);
    }
    const epoch = forgetEpoch;
    const { rows } = await db.query<KeyRow>(
      'SELECT wrapped_key, key_id FROM privacy.subject_keys WHERE subject = $1',
      [subject],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.wrapped_key === null) return null;
    const key = keyring.unwrap(subject, row.wrapped_key, row.key_id);
    if (epoch === forgetEpoch) cache.set(subject, { key, expiresAt: Date.now() + ttl });
    return key;
  }

  async function keyForSealing(subject: string): Promise<Buffer> {
    const existing = await loadKey(subject);
    if (existing === null)
      throw new VaultError(
        'SUBJECT_FORGOTTEN',
        `${subject} has been forgotten; nothing new is sealed for them`,
      );
    if (existing) return existing;
    const key = randomBytes(32);
    const { wrapped, keyId } = keyring.wrap(subject, key);
    // Two first seals at once: one insert wins and both use the winner's key.
    await db.query(
      'INSERT INTO privacy.subject_keys (subject, wrapped_key, key_id) VALUES ($1, $2, $3) ON CONFLICT (subject) DO NOTHING',
      [subject, wrapped, keyId],
    );
    key.fill(0);
    const stored = await loadKey(subject);
    if (!stored)
      throw new VaultError('SUBJECT_FORGOTTEN', `${subject} was forgotten while sealing`);
    return stored;
  }

  return {
    async seal(subject: string, data: JsonObject): Promise<SealedPersonalData> {
      const key = await keyForSealing(subject);
      const { iv, ct } = encrypt(key, Buffer.from(JSON.stringify(data), 'utf8'), dataAad(subject));
      return { v: 1, subject, iv: iv.toString('base64url'), ct: ct.toString('base64url') };
    },

    async open(sealed: SealedPersonalData): Promise<JsonObject | null> {
      const parsed = sealedPersonalDataSchema.safeParse(sealed);
      if (!parsed.success) throw new VaultError('MALFORMED_SEALED_DATA', 'not a sealed envelope');
      const { subject, iv, ct } = parsed.data;
      const key = await loadKey(subject);
      if (key === null) return null;
      if (key === undefined)
        throw new VaultError('UNKNOWN_SUBJECT', `no key was ever made for ${subject}`);
      let plain: Buffer;
      try {
        plain = decrypt(
          key,
          Buffer.from(iv, 'base64url'),
          Buffer.from(ct, 'base64url'),
          dataAad(subject),
        );
      } catch {
        throw new VaultError(
          'DECRYPTION_FAILED',
          `sealed data of ${subject} does not authenticate`,
        );
      }
      return JSON.parse(plain.toString('utf8')) as JsonObject;
    },

    async forget(subject: string): Promise<void> {
      // Upsert a tombstone even for a subject never sealed, so nothing can be sealed for them later.
      await db.query(
        `INSERT INTO privacy.subject_keys (subject, wrapped_key, forgotten_at) VALUES ($1, NULL, now())
         ON CONFLICT (subject) DO UPDATE
         SET wrapped_key = NULL, key_id = NULL, forgotten_at = COALESCE(privacy.subject_keys.forgotten_at, now())`,
        [subject],
      );
      evict(subject);
      await db.query('SELECT pg_notify($1, $2)', [FORGET_CHANNEL, subject]);
    },

    async close() {
      await unlisten();
      for (const subject of [...cache.keys()]) evict(subject);
      keyring.wipe();
    },
  };
}
