// The vault against PGlite (real Postgres in-process): sealing, tampering,
// wrong keys and forgetting.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDatabase } from '../../src/db/pglite.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { openAesVault, VaultError, type AesVault } from '../../src/privacy/aes-vault.ts';
import { masterKeyring } from '../../src/privacy/master-keys.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { rewrapSubjectKeys } from '../../src/privacy/rewrap.ts';
import type { SealedPersonalData } from '../../src/privacy/vault.ts';

let db: SqlDatabase;
let vault: AesVault;
const masterKey = randomBytes(32);

beforeAll(async () => {
  db = await pgliteDatabase();
  await migratePrivacy(db);
  await migratePrivacy(db); // idempotent
  vault = await openAesVault({ db, masterKey });
});
afterAll(async () => {
  await vault.close();
  await db.close();
});

const expectVaultError = async (promise: Promise<unknown>, code: string) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultError);
  expect((error as VaultError).code).toBe(code);
};

describe('AES-256-GCM vault', () => {
  it('seals and opens, with no clear text in the envelope and a fresh IV each time', async () => {
    const a = await vault.seal(ALICE, person);
    const b = await vault.seal(ALICE, person);
    expect(a).toMatchObject({ v: 1, subject: ALICE });
    expect(JSON.stringify(a)).not.toContain('Asha');
    expect(Buffer.from(a.ct, 'base64url').toString('latin1')).not.toContain('Asha');
    expect(a.iv).not.toBe(b.iv);
    expect(await vault.open(a)).toEqual(person);
    expect(await vault.open(b)).toEqual(person);
  });

  it('rejects tampered ciphertext, IV or tag instead of returning garbage', async () => {
    const sealed = await vault.seal(ALICE, person);
    await expectVaultError(
      vault.open({ ...sealed, ct: flipFirst(sealed.ct) }),
      'DECRYPTION_FAILED',
    );
    await expectVaultError(vault.open({ ...sealed, ct: flipLast(sealed.ct) }), 'DECRYPTION_FAILED');
    await expectVaultError(
      vault.open({ ...sealed, iv: flipFirst(sealed.iv) }),
      'DECRYPTION_FAILED',
    );
    await expectVaultError(
      vault.open({ ...sealed, ct: sealed.ct.slice(0, 8) }),
      'DECRYPTION_FAILED',
    );
  });

  it('rejects data relabelled as another subject', async () => {
    await vault.seal(BOB, { name: 'Bob' });
    const sealed = await vault.seal(ALICE, person);
    await expectVaultError(vault.open({ ...sealed, subject: BOB }), 'DECRYPTION_FAILED');
  });

  it('keeps keys wrapped: the same database with another master key opens nothing', async () => {
    const sealed = await vault.seal(ALICE, person);
    const { rows } = await db.query<{ wrapped_key: Uint8Array }>(
      'SELECT wrapped_key FROM privacy.subject_keys WHERE subject = $1',
      [ALICE],
    );
    expect(rows[0]!.wrapped_key.length).toBe(12 + 32 + 16);
    const thief = await openAesVault({ db, masterKey: randomBytes(32) });
    try {
      await expectVaultError(thief.open(sealed), 'MASTER_KEY_NOT_CONFIGURED');
    } finally {
      await thief.close();
    }
  });

  it('rejects malformed envelopes, unknown subjects and bad master keys', async () => {
    await expectVaultError(
      vault.open({ v: 2, subject: ALICE, iv: 'aa', ct: 'bb' } as unknown as SealedPersonalData),
      'MALFORMED_SEALED_DATA',
    );
    await expectVaultError(
      vault.open({ v: 1, subject: 'nobody', iv: 'aaaaaaaaaaaaaaaa', ct: 'bbbbbbbbbbbbbbbbbbbbbb' }),
      'UNKNOWN_SUBJECT',
    );
    await expectVaultError(openAesVault({ db, masterKey: randomBytes(16) }), 'INVALID_MASTER_KEY');
  });

  it('gives every concurrent first seal of a subject the same key', async () => {
    const subject = 'concurrent-subject';
    const sealed = await Promise.all([1, 2, 3, 4].map((n) => vault.seal(subject, { n })));
    const other = await openAesVault({ db, masterKey });
    try {
      expect(await Promise.all(sealed.map((s) => other.open(s)))).toEqual(
        [1, 2, 3, 4].map((n) => ({ n })),
      );
    } finally {
      await other.close();
    }
  });

  it('re-wraps under a new master key on the embedded database too', async () => {
    const sealed = await vault.seal('pglite-rotated', person);
    const next = randomBytes(32);
    const result = await rewrapSubjectKeys({ db, keyring: masterKeyring(next, [masterKey]) });
    expect(result.rewrapped).toBeGreaterThan(0);
    const rotated = await openAesVault({ db, masterKey: next });
    try {
      expect(await rotated.open(sealed)).toEqual(person);
    } finally {
      await rotated.close();
    }
    // Back under the suite's key for the tests that follow.
    await rewrapSubjectKeys({ db, keyring: masterKeyring(masterKey, [next]) });
  });

  describe('forget', () => {
    it('makes sealed data read as null, keeps a tombstone, and refuses new seals', async () => {
      const subject = 'forget-me';
      const sealed = await vault.seal(subject, person);
      expect(await vault.open(sealed)).toEqual(person);
      await vault.forget(subject);
      expect(await vault.open(sealed)).toBeNull();
      await vault.forget(subject); // twice is fine
      const { rows } = await db.query<{ wrapped_key: unknown; forgotten_at: unknown }>(
        'SELECT wrapped_key, forgotten_at FROM privacy.subject_keys WHERE subject = $1',
        [subject],
      );
      expect(rows).toEqual([{ wrapped_key: null, forgotten_at: expect.any(Date) }]);
      await expectVaultError(vault.seal(subject, person), 'SUBJECT_FORGOTTEN');
    });

    it('forgetting a subject never sealed blocks sealing for them', async () => {
      await vault.forget('never-sealed');
      await expectVaultError(vault.seal('never-sealed', person), 'SUBJECT_FORGOTTEN');
    });

    it('evicts the key cached by another vault instance', async () => {
      const subject = 'cached-elsewhere';
      const other = await openAesVault({ db, masterKey, cacheTtlMs: 3_600_000 });
      try {
        const sealed = await vault.seal(subject, person);
        expect(await other.open(sealed)).toEqual(person); // now cached in `other`
        await vault.forget(subject);
        await expect.poll(() => other.open(sealed), { timeout: 5_000 }).toBeNull();
      } finally {
        await other.close();
      }
    });
  });
});

const ALICE = '0b8f3c1e-7d2a-4c9b-9a61-2f4e5d6c7b8a';
const BOB = '1c9a4d2f-8e3b-4dac-8b72-3a5f6e7d8c9b';
const person = {
  name: 'Asha Kumari',
  email: 'asha@example.in',
  mobile: '9876543210',
  aadhaar: null,
};

function flip(text: string, index: number): string {
  const bytes = Buffer.from(text, 'base64url');
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = bytes[i]! ^ 0x01;
  return bytes.toString('base64url');
}
const flipFirst = (text: string) => flip(text, 0);
const flipLast = (text: string) => flip(text, -1);
