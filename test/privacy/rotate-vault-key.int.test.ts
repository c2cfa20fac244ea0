// Master key rotation on a real Postgres server: rows record the id of the
// key that wrapped them, vaults unwrap with whichever configured key matches,
// and `ledger rotate-vault-key` re-wraps what is left under old keys, in
// batches, resumably, while other vaults seal and forget.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rotateVaultKey } from '../../src/cli/rotate-vault-key.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { openAesVault, VaultError, type AesVault } from '../../src/privacy/aes-vault.ts';
import { masterKeyId, masterKeyring } from '../../src/privacy/master-keys.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { countStaleKeys, countWrappedKeys, rewrapSubjectKeys } from '../../src/privacy/rewrap.ts';
import type { SealedPersonalData } from '../../src/privacy/vault.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { runLedger } from '../support/ledger-process.ts';

const OLD = randomBytes(32);
const NEW = randomBytes(32);

let database: TestDatabase;
let db: SqlDatabase;
const opened: AesVault[] = [];

beforeAll(async () => {
  database = await createTestDatabase('rotate');
  // Each open vault holds a connection for LISTEN.
  db = postgresDatabase(database.url, 10);
  await migratePrivacy(db);
});
afterEach(async () => {
  for (const vault of opened.splice(0)) await vault.close();
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

async function vaultWith(masterKey: Buffer, previousMasterKeys: Buffer[] = []) {
  const vault = await openAesVault({ db, masterKey, previousMasterKeys, cacheTtlMs: 0 });
  opened.push(vault);
  return vault;
}

const person = (n: number) => ({ name: `Person ${n}`, email: `p${n}@example.in` });

/** Seals one envelope for each of `count` fresh subjects under `vault`. */
async function sealMany(vault: AesVault, prefix: string, count: number) {
  const sealed = new Map<string, SealedPersonalData>();
  for (let n = 0; n < count; n++)
    sealed.set(`${prefix}-${n}`, await vault.seal(`${prefix}-${n}`, person(n)));
  return sealed;
}

const vaultError = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => (e instanceof VaultError ? e : Promise.reject(e as Error)),
  );

describe('vault master key rotation', () => {
  it('records the wrapping key id; new keys open old data only through VAULT_PREVIOUS_MASTER_KEYS', async () => {
    const before = await vaultWith(OLD);
    const sealed = await before.seal('id-subject', person(1));
    const { rows } = await db.query<{ key_id: string }>(
      "SELECT key_id FROM privacy.subject_keys WHERE subject = 'id-subject'",
    );
    expect(rows[0]!.key_id).toBe(masterKeyId(OLD));
    expect(masterKeyId(OLD)).toMatch(/^[0-9a-f]{16}$/);

    const newOnly = await vaultWith(NEW);
    const error = await vaultError(newOnly.open(sealed));
    expect(error?.code).toBe('MASTER_KEY_NOT_CONFIGURED');
    expect(error?.message).toContain(masterKeyId(OLD));
    expect(error?.message).toContain('VAULT_PREVIOUS_MASTER_KEYS');

    const both = await vaultWith(NEW, [OLD]);
    expect(await both.open(sealed)).toEqual(person(1));
    await both.seal('id-subject-2', person(2));
    const fresh = await db.query<{ key_id: string }>(
      "SELECT key_id FROM privacy.subject_keys WHERE subject = 'id-subject-2'",
    );
    expect(fresh.rows[0]!.key_id).toBe(masterKeyId(NEW));
  });

  it('re-wraps live data in batches; old data opens with the new key alone, forgotten stays forgotten', async () => {
    const old = await vaultWith(OLD);
    const sealed = await sealMany(old, 'live', 230);
    await old.forget('live-7');
    await old.forget('live-8');
    // A row from before key ids were recorded: only trying each key tells which wrapped it.
    await db.query("UPDATE privacy.subject_keys SET key_id = NULL WHERE subject = 'live-9'");

    const progress: string[] = [];
    const progressStream = {
      write: (s: string) => progress.push(s) > 0,
    } as unknown as NodeJS.WritableStream;
    const report: string[] = [];
    const out = { write: (s: string) => report.push(s) > 0 } as unknown as NodeJS.WritableStream;
    const code = await rotateVaultKey(db, masterKeyring(NEW, [OLD]), {
      batchSize: 50,
      out,
      progress: progressStream,
    });
    expect(code).toBe(0);
    const text = report.join('');
    expect(text).toContain('Every subject key is wrapped under ' + masterKeyId(NEW));
    expect(text).toContain('no key id (wrapped before ids were recorded)');
    expect(text).not.toContain(OLD.toString('base64'));
    expect(await countWrappedKeys(db)).toEqual([
      { keyId: masterKeyId(NEW), keys: expect.any(Number) },
    ]);

    const newOnly = await vaultWith(NEW);
    for (const [subject, envelope] of sealed) {
      const n = Number(subject.split('-')[1]);
      expect(await newOnly.open(envelope)).toEqual(n === 7 || n === 8 ? null : person(n));
    }
    const stillForgotten = await vaultError(newOnly.seal('live-7', person(7)));
    expect(stillForgotten?.code).toBe('SUBJECT_FORGOTTEN');
    // And the old key alone no longer opens anything rotated.
    const oldOnly = await vaultWith(OLD);
    expect((await vaultError(oldOnly.open(sealed.get('live-1')!)))?.code).toBe(
      'MASTER_KEY_NOT_CONFIGURED',
    );
    // Sealing anew and forgetting still work after rotation.
    const fresh = await newOnly.seal('after-rotation', person(99));
    expect(await newOnly.open(fresh)).toEqual(person(99));
    await newOnly.forget('after-rotation');
    expect(await newOnly.open(fresh)).toBeNull();
  });

  it('names the key id a row needs when that key is missing, and an altered row', async () => {
    const third = randomBytes(32);
    const old = await vaultWith(NEW);
    await old.seal('needs-new', person(3));
    const wrongKeyring = masterKeyring(third, [randomBytes(32)]);
    const missing = await vaultError(rewrapSubjectKeys({ db, keyring: wrongKeyring }));
    expect(missing?.code).toBe('MASTER_KEY_NOT_CONFIGURED');
    expect(missing?.message).toContain(masterKeyId(NEW));

    await db.query(
      "UPDATE privacy.subject_keys SET wrapped_key = set_byte(wrapped_key, 20, get_byte(wrapped_key, 20) # 1) WHERE subject = 'needs-new'",
    );
    const altered = await vaultError(
      rewrapSubjectKeys({ db, keyring: masterKeyring(third, [NEW]) }),
    );
    expect(altered?.code).toBe('KEY_UNWRAP_FAILED');
    expect(altered?.message).toContain(masterKeyId(NEW));
    expect(altered?.message).toContain('needs-new');
    await db.query("DELETE FROM privacy.subject_keys WHERE subject = 'needs-new'");
    expect(() => masterKeyring(randomBytes(32), [randomBytes(16)])).toThrow(
      /previous master key number 1 must be exactly 32 bytes/,
    );
  });

  it('resumes an interrupted rotation where it stopped', async () => {
    const next = randomBytes(32);
    const keyring = masterKeyring(next, [NEW, OLD]);
    const before = await countStaleKeys(db, keyring.currentId);
    expect(before).toBeGreaterThan(200);
    let batches = 0;
    const interrupted = await rewrapSubjectKeys({
      db,
      keyring,
      batchSize: 40,
      onProgress: () => {
        if (++batches === 2) throw new Error('operator pressed ctrl-c');
      },
    }).catch((e: Error) => e.message);
    expect(interrupted).toBe('operator pressed ctrl-c');
    expect(await countStaleKeys(db, keyring.currentId)).toBe(before - 80);

    const resumed = await rewrapSubjectKeys({ db, keyring, batchSize: 40 });
    expect(resumed).toEqual({ rewrapped: before - 80, skipped: 0 });
    expect(await countStaleKeys(db, keyring.currentId)).toBe(0);
    expect(await rewrapSubjectKeys({ db, keyring })).toEqual({ rewrapped: 0, skipped: 0 });
    // Put NEW back as the current key for the tests that follow.
    await rewrapSubjectKeys({ db, keyring: masterKeyring(NEW, [next]) });
  });

  it('exits 1 and asks for another run when a process still on the old key seals during the run', async () => {
    const old = await vaultWith(OLD);
    await sealMany(old, 'straggler', 30);
    let sealedLate = false;
    const racing = {
      ...db,
      query: async (text: string, params?: unknown[]) => {
        if (!sealedLate && text.includes('UPDATE privacy.subject_keys AS k')) {
          sealedLate = true;
          // Sorts before every subject the run has passed, so this run cannot see it.
          await old.seal('000-late', person(0));
        }
        return db.query(text, params);
      },
    } as SqlDatabase;
    const report: string[] = [];
    const out = { write: (s: string) => report.push(s) > 0 } as unknown as NodeJS.WritableStream;
    const options = { batchSize: 10, out, progress: out };
    expect(await rotateVaultKey(racing, masterKeyring(NEW, [OLD]), options)).toBe(1);
    expect(report.join('')).toContain(`1 under master key ${masterKeyId(OLD)}`);
    expect(report.join('')).toContain('run again');
    report.length = 0;
    expect(await rotateVaultKey(db, masterKeyring(NEW, [OLD]), options)).toBe(0);
    expect(await countStaleKeys(db, masterKeyId(NEW))).toBe(0);
  });

  it('keeps seals and forgets made during a rotation: forgotten rows are never re-wrapped back', async () => {
    const old = await vaultWith(OLD);
    const sealed = await sealMany(old, 'busy', 200);
    const server = await vaultWith(NEW, [OLD]);
    // A forget lands between the batch's read and its update, every batch.
    let forgets = 0;
    const racing: SqlDatabase = {
      ...db,
      query: async (text: string, params?: unknown[]) => {
        if (text.includes('UPDATE privacy.subject_keys AS k')) {
          const subjects = params![1] as string[];
          await server.forget(subjects[0]!);
          forgets++;
        }
        return db.query(text, params);
      },
    } as SqlDatabase;
    const rotation = rewrapSubjectKeys({
      db: racing,
      keyring: masterKeyring(NEW, [OLD]),
      batchSize: 25,
    });
    const concurrentSeals = sealMany(server, 'during', 60);
    const concurrentForgets = Promise.all(['busy-101', 'busy-150'].map((s) => server.forget(s)));
    const [result, during] = await Promise.all([rotation, concurrentSeals, concurrentForgets]);
    expect(forgets).toBeGreaterThan(0);
    expect(result.skipped).toBeGreaterThanOrEqual(forgets);

    const forgotten = await db.query<{ subject: string; wrapped_key: unknown; key_id: unknown }>(
      "SELECT subject, wrapped_key, key_id FROM privacy.subject_keys WHERE subject LIKE 'busy-%' AND forgotten_at IS NOT NULL",
    );
    expect(forgotten.rows.length).toBeGreaterThanOrEqual(forgets);
    for (const row of forgotten.rows)
      expect(row).toMatchObject({ wrapped_key: null, key_id: null });
    expect(await countStaleKeys(db, masterKeyId(NEW))).toBe(0);

    const newOnly = await vaultWith(NEW);
    const gone = new Set(forgotten.rows.map((r) => r.subject));
    for (const [subject, envelope] of sealed)
      expect(await newOnly.open(envelope)).toEqual(
        gone.has(subject) ? null : person(Number(subject.split('-')[1])),
      );
    for (const [subject, envelope] of during)
      expect(await newOnly.open(envelope)).toEqual(person(Number(subject.split('-')[1])));
  });

  it('`ledger rotate-vault-key` runs from configuration and says when old keys can go', async () => {
    const old = await vaultWith(NEW);
    await sealMany(old, 'cli', 5);
    const next = randomBytes(32);
    const workDir = mkdtempSync(join(tmpdir(), 'ledger-rotate-'));
    try {
      const env = {
        DATABASE_URL: database.url,
        VAULT_MASTER_KEY: next.toString('base64'),
        VAULT_PREVIOUS_MASTER_KEYS: `${randomBytes(32).toString('base64')}, ${NEW.toString('base64')}`,
        LOOKUP_KEY: randomBytes(32).toString('base64'),
      };
      const run = await runLedger(['rotate-vault-key', '--batch-size', '7'], env, workDir);
      expect(run.stderr).not.toContain('ledger:');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Current master key ${masterKeyId(next)}`);
      expect(run.stdout).toContain(`Every subject key is wrapped under ${masterKeyId(next)}`);
      for (const secret of [next, NEW]) {
        expect(run.stdout + run.stderr).not.toContain(secret.toString('base64'));
        expect(run.stdout + run.stderr).not.toContain(secret.toString('hex'));
      }

      const missing = await runLedger(
        ['rotate-vault-key'],
        {
          ...env,
          VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
          VAULT_PREVIOUS_MASTER_KEYS: '',
        },
        workDir,
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(
        `master key id ${masterKeyId(next)}, which is not configured`,
      );

      const bad = await runLedger(
        ['rotate-vault-key'],
        { ...env, VAULT_PREVIOUS_MASTER_KEYS: 'short' },
        workDir,
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('VAULT_PREVIOUS_MASTER_KEYS');
      expect(bad.stderr).not.toContain('short');
      const batch = await runLedger(['rotate-vault-key', '--batch-size', '0'], env, workDir);
      expect(batch.code).toBe(1);
      expect(batch.stderr).toContain('must be a positive integer');
    } finally {
      rmSync(workDir, { recursive: true, force: true });
      await rewrapSubjectKeys({ db, keyring: masterKeyring(NEW, [next]) });
    }
  }, 90_000); // four processes, each loading TypeScript
});
