// What the two key rotations cost, on the real Postgres server (TEST_DATABASE_URL):
//   - rotate-vault-key: KEYS subject keys wrapped under an old master key are
//     re-wrapped (src/privacy/rewrap.ts) in batches of each BATCHES size;
//   - rotate-lookup-key: ACCOUNTS accounts signed up under an old lookup key
//     get their reservation under the new one (src/commands/rotate-email-lookups.ts).
// Reports wall time, rows (accounts) per second and this process's CPU ms per
// 1,000, which contention on a shared machine disturbs less. Last line JSON.

import { randomBytes, randomUUID } from 'node:crypto';
import { registerAccount, type AccountDeps } from '../src/commands/accounts.ts';
import { accountIdsFromStreams, rotateEmailLookups } from '../src/commands/rotate-email-lookups.ts';
import { openAesVault } from '../src/privacy/aes-vault.ts';
import { masterKeyring } from '../src/privacy/master-keys.ts';
import { migratePrivacy } from '../src/privacy/migrate.ts';
import { rewrapSubjectKeys } from '../src/privacy/rewrap.ts';
import { createPostgresTestStore } from '../test/support/store.ts';

const KEYS = Number(process.env.KEYS ?? 20_000);
const BATCHES = (process.env.BATCHES ?? '500,2000').split(',').map(Number);
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 500);
const log = (message: string) => process.stderr.write(`${message}\n`);

async function measure<T>(run: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const testStore = await createPostgresTestStore();
const { db } = testStore;
await migratePrivacy(db);
const results: Record<string, unknown>[] = [];
try {
  let previous = randomBytes(32);
  // Keys as vaults write them, inserted in bulk: the bench times the rotation, not the set-up.
  const seed = masterKeyring(previous);
  for (let from = 0; from < KEYS; from += 5000) {
    const subjects = Array.from({ length: Math.min(5000, KEYS - from) }, () => randomUUID());
    const wrapped = subjects.map((s) => seed.wrap(s, randomBytes(32)).wrapped);
    await db.query(
      `INSERT INTO privacy.subject_keys (subject, wrapped_key, key_id)
       SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[])`,
      [subjects, wrapped, subjects.map(() => seed.currentId)],
    );
  }
  for (const batchSize of BATCHES) {
    const next = randomBytes(32);
    const run = await measure(() =>
      rewrapSubjectKeys({ db, keyring: masterKeyring(next, [previous]), batchSize }),
    );
    previous = next;
    const figure = {
      rotation: 'vault',
      batchSize,
      rows: run.value.rewrapped,
      wallMs: Math.round(run.wallMs),
      rowsPerSecond: Math.round(run.value.rewrapped / (run.wallMs / 1000)),
      cpuMsPer1000: Number(((run.cpuMs / run.value.rewrapped) * 1000).toFixed(1)),
      statements: 2 * Math.ceil(run.value.rewrapped / batchSize) + 1,
    };
    log(JSON.stringify(figure));
    results.push(figure);
  }

  const vault = await openAesVault({ db, masterKey: previous });
  const oldKey = randomBytes(32);
  const old: AccountDeps = { store: testStore.store, vault, lookupKey: oldKey };
  for (let n = 0; n < ACCOUNTS; n++) {
    const accountId = randomUUID();
    await registerAccount(
      old,
      {
        accountId,
        username: `bench${n}`,
        name: 'Asha Kumari',
        email: `bench${n}@example.in`,
        mobile: '9876543210',
        consentGivenAt: new Date().toISOString(),
      },
      { now: new Date().toISOString(), commandId: randomUUID(), actor: 'anonymous' },
    );
  }
  const both = { ...old, lookupKey: randomBytes(32), previousLookupKeys: [oldKey] };
  const run = await measure(() =>
    rotateEmailLookups(both, { listAccounts: accountIdsFromStreams(db) }),
  );
  await vault.close();
  const figure = {
    rotation: 'lookup',
    accounts: run.value.accounts,
    added: run.value.added,
    wallMs: Math.round(run.wallMs),
    accountsPerSecond: Math.round(run.value.accounts / (run.wallMs / 1000)),
    cpuMsPer1000: Number(((run.cpuMs / run.value.accounts) * 1000).toFixed(1)),
  };
  log(JSON.stringify(figure));
  results.push(figure);
} finally {
  await testStore.close();
}
process.stdout.write(`${JSON.stringify(results)}\n`);
