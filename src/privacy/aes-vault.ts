// The PersonalDataVault over AES-256-GCM (node:crypto). Each subject gets a
// random 256-bit data key on first seal; keys live in privacy.subject_keys,
// wrapped under a master key from configuration, so a database dump alone
// reveals nothing. Forget clears the key (crypto-shredding); every process
// evicts it from its cache on the NOTIFY that forget sends, and cache entries
// expire anyway so a missed notification cannot keep a key alive for long.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SqlDatabase } from '../db/sql.ts';
import type { JsonObject } from '../eventstore/port.ts';
import { sealedPersonalDataSchema } from './sealed.ts';
import type { PersonalDataVault, SealedPersonalData } from './vault.ts';

export type VaultErrorCode =
  | 'INVALID_MASTER_KEY'
  | 'KEY_UNWRAP_FAILED'
  | 'DECRYPTION_FAILED'
  | 'MALFORMED_SEALED_DATA'
  | 'UNKNOWN_SUBJECT'
  | 'SUBJECT_FORGOTTEN';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

export interface AesVault extends PersonalDataVault {
  /** Stops listening for other processes' forgets and wipes cached keys. */
  close(): Promise<void>;
}

export interface AesVaultOptions {
  db: SqlDatabase;
  /** 32 bytes from configuration; wraps every subject key. */
  masterKey: Uint8Array;
  /** How long an unwrapped key may stay in memory; default one minute. */
  cacheTtlMs?: number;
}

const FORGET_CHANNEL = 'privacy_forget';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binding the subject into the associated data stops a ciphertext (or a wrapped
// key row) being passed off as another subject's.
const dataAad = (subject: string) => Buffer.from(`meterledger/personal-data/v1\0${subject}`);
const keyAad = (subject: string) => Buffer.from(`meterledger/subject-key/v1\0${subject}`);

function encrypt(key: Uint8Array, plain: Buffer, aad: Buffer): { iv: Buffer; ct: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const ct = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { iv, ct };
}

/** Throws on a wrong key or any tampering: GCM never hands back unauthenticated bytes. */
function decrypt(key: Uint8Array, iv: Buffer, ctAndTag: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || ctAndTag.length < TAG_BYTES) throw new Error('truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad);
  decipher.setAuthTag(ctAndTag.subarray(ctAndTag.length - TAG_BYTES));
  return Buffer.concat([decipher.update(ctAndTag.subarray(0, -TAG_BYTES)), decipher.final()]);
}

type KeyRow = { wrapped_key: Uint8Array | null };
type CachedKey = { key: Buffer; expiresAt: number };

export async function openAesVault(options: AesVaultOptions): Promise<AesVault> {
  const { db } = options;
  if (options.masterKey.length !== 32)
    throw new VaultError('INVALID_MASTER_KEY', 'the master key must be exactly 32 bytes');
  const masterKey = Buffer.from(options.masterKey);
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

  const unwrap = (subject: string, wrapped: Uint8Array): Buffer => {
    const bytes = Buffer.from(wrapped);
    try {
      return decrypt(
        masterKey,
        bytes.subarray(0, IV_BYTES),
        bytes.subarray(IV_BYTES),
        keyAad(subject),
      );
    } catch {
      throw new VaultError(
        'KEY_UNWRAP_FAILED',
        `cannot unwrap the key of ${subject}: wrong master key or altered row`,
      );
    }
  };

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
      'SELECT wrapped_key FROM privacy.subject_keys WHERE subject = $1',
      [subject],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.wrapped_key === null) return null;
    const key = unwrap(subject, row.wrapped_key);
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
    const { iv, ct } = encrypt(masterKey, key, keyAad(subject));
    // Two first seals at once: one insert wins and both use the winner's key.
    await db.query(
      'INSERT INTO privacy.subject_keys (subject, wrapped_key) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING',
      [subject, Buffer.concat([iv, ct])],
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
         SET wrapped_key = NULL, forgotten_at = COALESCE(privacy.subject_keys.forgotten_at, now())`,
        [subject],
      );
      evict(subject);
      await db.query('SELECT pg_notify($1, $2)', [FORGET_CHANNEL, subject]);
    },

    async close() {
      await unlisten();
      for (const subject of [...cache.keys()]) evict(subject);
      masterKey.fill(0);
    },
  };
}
