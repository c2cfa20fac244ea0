// Lookup key rotation on a real Postgres store: emails are reserved under
// every configured lookup key, so sign-ups hashed under the old key and under
// the new one contend on a common stream; `ledger rotate-lookup-key` gives
// every live email its reservation under the new key, after which the old
// key can be dropped.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changePersonalData,
  findAccountIdByEmail,
  forgetPerson,
  registerAccount,
  type AccountDeps,
} from '../../src/commands/accounts.ts';
import {
  accountIdsFromStreams,
  rotateEmailLookups,
  type LookupRotationOptions,
} from '../../src/commands/rotate-email-lookups.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { accountStream } from '../../src/domain/account/index.ts';
import { openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { openAesVault, type AesVault } from '../../src/privacy/aes-vault.ts';
import { lookupKeyId } from '../../src/privacy/lookup.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { expectCode, meta, signUp } from '../commands/accounts-fixture.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import { runLedger } from '../support/ledger-process.ts';

const MASTER = randomBytes(32);
const OLD = randomBytes(32);
const NEW = randomBytes(32);

let testStore: PostgresTestStore;
let vault: AesVault;
let secondDb: SqlDatabase;
let secondStore: EventStore;
/** A server still on the old key, one restarted with both, and one after the old key is dropped. */
let oldServer: AccountDeps;
let bothKeys: AccountDeps;
let newServer: AccountDeps;

beforeAll(async () => {
  testStore = await createPostgresTestStore();
  await migratePrivacy(testStore.db);
  vault = await openAesVault({ db: testStore.db, masterKey: MASTER });
  // A second pool and store, as a second web process would have.
  secondDb = postgresDatabase(testStore.database.url);
  secondStore = openPostgresEventStore(secondDb);
  oldServer = { store: testStore.store, vault, lookupKey: OLD };
  bothKeys = { store: secondStore, vault, lookupKey: NEW, previousLookupKeys: [OLD] };
  newServer = { store: testStore.store, vault, lookupKey: NEW };
});
afterAll(async () => {
  await vault?.close();
  await secondStore?.close();
  await secondDb?.close();
  await testStore?.close();
});

const register = async (deps: AccountDeps, input = signUp()) => {
  await registerAccount(deps, input, meta());
  return input;
};
const rotate = (options: Partial<LookupRotationOptions> = {}) =>
  rotateEmailLookups(bothKeys, { listAccounts: accountIdsFromStreams(testStore.db), ...options });
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? String(e),
  );

describe('lookup key rotation', () => {
  it('a sign-up hashed under the old key and one under the new key never both succeed', async () => {
    for (let round = 0; round < 6; round++) {
      const email = `both.${randomUUID()}@example.in`;
      const contenders = [oldServer, bothKeys, oldServer, bothKeys].map((deps) =>
        outcome(registerAccount(deps, signUp({ email }), meta())),
      );
      const results = await Promise.all(contenders);
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r !== 'ok')).toEqual([
        'EMAIL_TAKEN',
        'EMAIL_TAKEN',
        'EMAIL_TAKEN',
      ]);
    }
  });

  it('finds old accounts through the previous key, and through the new key alone after rotation', async () => {
    const before = await Promise.all(Array.from({ length: 12 }, () => register(oldServer)));
    const forgotten = before[0]!;
    await forgetPerson(bothKeys, { accountId: forgotten.accountId }, meta(forgotten.accountId));
    for (const input of before.slice(1)) {
      expect(await findAccountIdByEmail(bothKeys, input.email)).toBe(input.accountId);
      expect(await findAccountIdByEmail(newServer, input.email)).toBeNull();
    }
    // Before rotation, the new key alone would let a duplicate through; with both keys it cannot.
    await expectCode(
      registerAccount(bothKeys, signUp({ email: before[1]!.email }), meta()),
      'EMAIL_TAKEN',
    );

    const first = await rotate();
    expect(first.conflicts).toEqual([]);
    expect(first.added).toBeGreaterThanOrEqual(11);
    for (const input of before.slice(1)) {
      expect(await findAccountIdByEmail(newServer, input.email)).toBe(input.accountId);
      await expectCode(
        registerAccount(newServer, signUp({ email: input.email }), meta()),
        'EMAIL_TAKEN',
      );
    }
    // The forgotten person's address is free under either key.
    expect(await findAccountIdByEmail(newServer, forgotten.email)).toBeNull();
    await register(newServer, signUp({ email: forgotten.email }));
    // The account just signed up under the new key alone gets its old-key reservation too.
    expect((await rotate()).added).toBe(1);
    expect((await rotate()).added).toBe(0);
  });

  it('resumes an interrupted rotation, adding only what is missing', async () => {
    const accounts = await Promise.all(Array.from({ length: 10 }, () => register(oldServer)));
    const stopped = await rotate({
      listAccounts: async () => accounts.map((a) => a.accountId),
      concurrency: 2,
      onProgress: (done) => {
        if (done === 2) throw new Error('interrupted');
      },
    }).catch((e: Error) => e.message);
    expect(stopped).toBe('interrupted');
    const missing = [];
    for (const a of accounts)
      if ((await findAccountIdByEmail(newServer, a.email)) === null) missing.push(a);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(accounts.length);
    expect((await rotate()).added).toBe(missing.length);
    for (const a of accounts)
      expect(await findAccountIdByEmail(newServer, a.email)).toBe(a.accountId);
  });

  it('a duplicate sign-up racing the rotation is refused and the rotation still completes', async () => {
    const holders = await Promise.all(Array.from({ length: 8 }, () => register(oldServer)));
    const rotation = rotate({ retryDelayMs: 20 });
    const duplicates = await Promise.all(
      holders.flatMap((h) =>
        [bothKeys, oldServer].map((deps) =>
          outcome(registerAccount(deps, signUp({ email: h.email }), meta())),
        ),
      ),
    );
    const result = await rotation;
    expect(duplicates.every((d) => d === 'EMAIL_TAKEN')).toBe(true);
    expect(result.conflicts).toEqual([]);
    for (const h of holders)
      expect(await findAccountIdByEmail(newServer, h.email)).toBe(h.accountId);
  });

  it('an email change and a forget release the address under every key', async () => {
    const person = await register(oldServer);
    await rotate();
    const nameOnly = {
      accountId: person.accountId,
      name: 'New Name',
      email: person.email,
      mobile: person.mobile,
    };
    await changePersonalData(bothKeys, nameOnly, meta(person.accountId));
    const events = await testStore.store.readStream(accountStream(person.accountId));
    expect(events.at(-1)!.data).toMatchObject({ emailChanged: false });

    const email = `changed.${randomUUID()}@example.in`;
    await changePersonalData(bothKeys, { ...nameOnly, email }, meta(person.accountId));
    for (const deps of [oldServer, newServer]) {
      expect(await findAccountIdByEmail(deps, person.email)).toBeNull();
      expect(await findAccountIdByEmail(deps, email)).toBe(person.accountId);
    }
    expect(
      (await testStore.store.readStream(accountStream(person.accountId))).at(-1)!.data,
    ).toMatchObject({
      emailChanged: true,
    });

    await forgetPerson(bothKeys, { accountId: person.accountId }, meta(person.accountId));
    for (const deps of [oldServer, newServer])
      expect(await findAccountIdByEmail(deps, email)).toBeNull();
    await register(oldServer, signUp({ email }));
  });

  it('a forget that cannot read the address still frees it under every key', async () => {
    const person = await register(oldServer);
    await rotate();
    // The vault cannot unwrap this person's key (wrong master key): erasure goes ahead anyway.
    const blind = await openAesVault({ db: testStore.db, masterKey: randomBytes(32) });
    try {
      await forgetPerson(
        { ...bothKeys, vault: blind },
        { accountId: person.accountId },
        meta(person.accountId),
      );
    } finally {
      await blind.close();
    }
    // Released under the recorded (old) key; the new key's claim is held by a forgotten account, so reclaimable.
    expect(await findAccountIdByEmail(oldServer, person.email)).toBeNull();
    expect(await findAccountIdByEmail(newServer, person.email)).toBeNull();
    await register(newServer, signUp({ email: person.email }));
  });

  it('`ledger rotate-lookup-key` runs from configuration, prints no email, and is listed in --help', async () => {
    const person = await register(oldServer);
    const workDir = mkdtempSync(join(tmpdir(), 'ledger-lookup-'));
    try {
      const env = {
        DATABASE_URL: testStore.database.url,
        VAULT_MASTER_KEY: MASTER.toString('base64'),
        LOOKUP_KEY: NEW.toString('base64'),
        LOOKUP_PREVIOUS_KEYS: OLD.toString('base64'),
      };
      const run = await runLedger(['rotate-lookup-key'], env, workDir);
      expect(run.stderr).not.toContain('ledger:');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        `Current lookup key ${lookupKeyId(NEW)}; previous: ${lookupKeyId(OLD)}.`,
      );
      expect(run.stdout).toMatch(/added [1-9]\d* email reservations/);
      expect(run.stdout).toContain('LOOKUP_PREVIOUS_KEYS can now be emptied');
      expect(run.stdout + run.stderr).not.toContain('@example.in');
      expect(await findAccountIdByEmail(newServer, person.email)).toBe(person.accountId);

      const help = await runLedger(['--help'], {}, workDir);
      expect(help.stdout).toContain('rotate-vault-key');
      expect(help.stdout).toContain('rotate-lookup-key');
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 60_000);
});
