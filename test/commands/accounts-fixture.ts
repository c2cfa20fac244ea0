// Shared set-up for the account service integration tests: a migrated
// Postgres event store on its own database, the privacy table beside it, an
// AES vault and a lookup key, plus helpers for commands and sign-ups.

import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { registerAccount, type AccountDeps } from '../../src/commands/accounts.ts';
import type { Role } from '../../src/domain/account/index.ts';
import { BOOTSTRAP_ACTOR } from '../../src/domain/account/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import { openAesVault, type AesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

export interface AccountsFixture extends AccountDeps {
  testStore: PostgresTestStore;
  vault: AesVault;
  close(): Promise<void>;
}

export async function createAccountsFixture(): Promise<AccountsFixture> {
  const testStore = await createPostgresTestStore();
  await migratePrivacy(testStore.db);
  const vault = await openAesVault({ db: testStore.db, masterKey: randomBytes(32) });
  return {
    testStore,
    store: testStore.store,
    vault,
    lookupKey: randomBytes(32),
    async close() {
      await vault.close();
      await testStore.close();
    },
  };
}

export const NOW = '2026-03-01T10:00:00.000Z';

/** A well-formed argon2id hash, as the web layer would hand to setPassword. */
export const PASSWORD_HASH =
  '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';

export const meta = (actor = 'anonymous', commandId: string = randomUUID()): CommandMetadata => ({
  now: NOW,
  commandId,
  actor,
});

let counter = 0;
/** Valid sign-up input with unique username, email and account id unless overridden. */
export function signUp(overrides: Partial<Parameters<typeof registerAccount>[1]> = {}) {
  counter++;
  return {
    accountId: randomUUID(),
    username: `user${counter}${randomBytes(3).toString('hex')}`,
    name: 'Asha Kumari',
    email: `asha${counter}.${randomBytes(3).toString('hex')}@example.in`,
    mobile: '9876543210',
    aadhaar: '234123412346',
    consentGivenAt: NOW,
    ...overrides,
  };
}

/** Registers an account with `role` (staff via the CLI bootstrap actor) and returns its id. */
export async function registered(deps: AccountDeps, role: Role = 'customer'): Promise<string> {
  const actor = role === 'customer' ? 'anonymous' : BOOTSTRAP_ACTOR;
  const { accountId } = await registerAccount(deps, { ...signUp(), role }, meta(actor));
  return accountId;
}

/** Awaits a promise expected to reject with a DomainError (or other coded error) of `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).not.toBeNull();
  expect((error as { code?: string }).code).toBe(code);
}
