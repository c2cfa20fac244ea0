// The vault on a real Postgres server, with two processes' worth of pools:
// migration racing itself, and a forget in one process evicting the key the
// other has cached.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { openAesVault, type AesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

let database: TestDatabase;
let dbA: SqlDatabase;
let dbB: SqlDatabase;
let vaultA: AesVault;
let vaultB: AesVault;
const masterKey = randomBytes(32);

beforeAll(async () => {
  database = await createTestDatabase('privacy');
  dbA = postgresDatabase(database.url, 3);
  dbB = postgresDatabase(database.url, 3);
  await Promise.all([migratePrivacy(dbA), migratePrivacy(dbB), migratePrivacy(dbA)]);
  vaultA = await openAesVault({ db: dbA, masterKey, cacheTtlMs: 3_600_000 });
  vaultB = await openAesVault({ db: dbB, masterKey, cacheTtlMs: 3_600_000 });
});
afterAll(async () => {
  await vaultA?.close();
  await vaultB?.close();
  await dbA?.close();
  await dbB?.close();
  await database?.drop();
});

describe('AES vault on Postgres', () => {
  it('opens in one process what another sealed', async () => {
    const sealed = await vaultA.seal(SUBJECT, person);
    expect(await vaultB.open(sealed)).toEqual(person);
  });

  it("a forget in one process evicts the other process's cached key", async () => {
    const sealed = await vaultA.seal(SUBJECT, person);
    expect(await vaultB.open(sealed)).toEqual(person); // cached in B for an hour
    await vaultA.forget(SUBJECT);
    expect(await vaultA.open(sealed)).toBeNull();
    await expect.poll(() => vaultB.open(sealed), { timeout: 5_000 }).toBeNull();
  });

  it('a short cache TTL forgets even without a notification', async () => {
    const subject = 'ttl-subject';
    const quiet = postgresDatabase(database.url, 2);
    const deaf = await openAesVault({ db: quiet, masterKey, cacheTtlMs: 0 });
    try {
      const sealed = await deaf.seal(subject, person);
      expect(await deaf.open(sealed)).toEqual(person);
      // Forget behind the vault's back, as if the NOTIFY had been lost (and as a
      // server of the previous version does: key_id stays, wrapped_key decides).
      await quiet.query(
        'UPDATE privacy.subject_keys SET wrapped_key = NULL, forgotten_at = now() WHERE subject = $1',
        [subject],
      );
      expect(await deaf.open(sealed)).toBeNull();
    } finally {
      await deaf.close();
      await quiet.close();
    }
  });
});

const SUBJECT = '5a3b2c1d-6e7f-4a8b-9c0d-1e2f3a4b5c6d';
const person = {
  name: 'Asha Kumari',
  email: 'asha@example.in',
  mobile: '9876543210',
  aadhaar: null,
};
