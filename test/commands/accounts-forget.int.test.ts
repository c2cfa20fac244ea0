// Forgetting a person on real Postgres: their key is shredded, every sealed
// field in their stream reads as erased, the stored events are byte-for-byte
// what they were, and every hash chain in the store still verifies.

import { describe, expect, it } from 'vitest';
import {
  changePersonalData,
  createTenantDirectory,
  findAccountIdByEmail,
  findAccountIdByUsername,
  forgetPerson,
  loadAccount,
  readPersonalData,
  registerAccount,
  setPassword,
  verifyEmail,
} from '../../src/commands/accounts.ts';
import { accountStream } from '../../src/domain/account/index.ts';
import { verifyStore, verifyStream } from '../../src/eventstore/integrity.ts';
import type { SealedPersonalData } from '../../src/privacy/vault.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import {
  createAccountsFixture,
  expectCode,
  meta,
  PASSWORD_HASH,
  registered,
  signUp,
} from './accounts-fixture.ts';

const fx = openedBeforeAll(createAccountsFixture);

const sealedIn = (data: Record<string, unknown>) => data.personal as SealedPersonalData;

describe('forgetPerson', () => {
  it('erases the personal data while the events and the hash chains stay intact', async () => {
    const input = signUp();
    const { accountId } = await registerAccount(fx, input, meta());
    await verifyEmail(fx, { accountId }, meta(accountId));
    await setPassword(fx, { accountId, passwordHash: PASSWORD_HASH }, meta(accountId));
    const change = { accountId, name: 'Asha K', email: input.email, mobile: '9123456789' };
    await changePersonalData(fx, change, meta(accountId));
    const neighbour = await registered(fx);
    const before = await fx.store.readStream(accountStream(accountId));
    const sealed = before.filter((e) => 'personal' in e.data).map((e) => sealedIn(e.data));
    expect(sealed).toHaveLength(2);
    expect(await fx.vault.open(sealed[0]!)).toMatchObject({ name: 'Asha Kumari' });

    await forgetPerson(fx, { accountId }, meta(accountId));

    const after = await fx.store.readStream(accountStream(accountId));
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => e.type)).toEqual(['PersonForgotten']);
    for (const s of sealed) expect(await fx.vault.open(s)).toBeNull();
    expect(await readPersonalData(fx, accountId)).toBeNull();
    expect(await loadAccount(fx.store, accountId)).toMatchObject({ status: 'forgotten' });
    // Someone else's data is untouched.
    expect(await readPersonalData(fx, neighbour)).toMatchObject({ name: 'Asha Kumari' });
    expect(verifyStream(after)).toBeNull();
    expect(await verifyStore(fx.store, { checkHeads: true })).toBeNull();
  });

  it('frees the email for a new sign-up; the username stays with the forgotten account', async () => {
    const input = signUp();
    const { accountId } = await registerAccount(fx, input, meta());
    await forgetPerson(fx, { accountId }, meta(accountId));
    expect(await findAccountIdByEmail(fx, input.email)).toBeNull();
    expect(await findAccountIdByUsername(fx.store, input.username)).toBe(accountId);
    expect(await createTenantDirectory(fx).findTenant(input.username, input.mobile)).toBeNull();
    const again = await registerAccount(fx, signUp({ email: input.email }), meta());
    expect(await findAccountIdByEmail(fx, input.email)).toBe(again.accountId);
  });

  it('a superuser may forget someone; anyone else is refused and the data stays readable', async () => {
    const superuser = await registered(fx, 'superuser');
    const admin = await registered(fx, 'admin');
    const id = await registered(fx);
    await expectCode(forgetPerson(fx, { accountId: id }, meta(admin)), 'NOT_AUTHORISED');
    expect(await readPersonalData(fx, id)).not.toBeNull();
    await forgetPerson(fx, { accountId: id }, meta(superuser));
    expect(await readPersonalData(fx, id)).toBeNull();
  });

  it('is idempotent, and the forgotten account refuses further commands', async () => {
    const id = await registered(fx);
    const m = meta(id);
    await forgetPerson(fx, { accountId: id }, m);
    await forgetPerson(fx, { accountId: id }, m);
    await forgetPerson(fx, { accountId: id }, meta(id));
    const events = await fx.store.readStream(accountStream(id));
    expect(events.map((e) => e.type)).toEqual(['AccountRegistered', 'PersonForgotten']);
    await expectCode(verifyEmail(fx, { accountId: id }, meta(id)), 'ACCOUNT_FORGOTTEN');
    const change = { accountId: id, name: 'X', email: 'x@example.in', mobile: '9123456789' };
    await expectCode(changePersonalData(fx, change, meta(id)), 'ACCOUNT_FORGOTTEN');
  });

  it('refuses an unknown account without touching the vault', async () => {
    const unknown = '7c6b5a49-3827-4165-a4f3-e2d1c0b9a887';
    await expectCode(
      forgetPerson(fx, { accountId: unknown }, meta('system:privacy')),
      'ACCOUNT_NOT_FOUND',
    );
    const { rows } = await fx.testStore.db.query(
      'SELECT 1 FROM privacy.subject_keys WHERE subject = $1',
      [unknown],
    );
    expect(rows).toEqual([]);
  });
});
