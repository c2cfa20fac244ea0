// Account services on real Postgres: sign-up, lookups, idempotent retries,
// recovery from a crash mid-sign-up, the lifecycle commands and their
// authority checks, email changes, and the tenant directory.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  actorRoles,
  changePassword,
  changePersonalData,
  createTenantDirectory,
  disableAccount,
  enableAccount,
  findAccountIdByEmail,
  findAccountIdByUsername,
  grantRole,
  loadAccount,
  readPersonalData,
  readProfile,
  registerAccount,
  requireRole,
  revokeRole,
  setPassword,
  verifyEmail,
  verifyMobile,
} from '../../src/commands/accounts.ts';
import { accountStream } from '../../src/domain/account/index.ts';
import type { PersonalDataVault } from '../../src/privacy/vault.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import {
  createAccountsFixture,
  expectCode,
  meta,
  PASSWORD_HASH,
  NOW,
  registered,
  signUp,
} from './accounts-fixture.ts';

const fx = openedBeforeAll(createAccountsFixture);

const HASH2 = '$argon2id$v=19$m=65536,t=3,p=4$b3RoZXJzYWx0$qLml5cbi8XcVPr8dkKmMyHzDFhLzLqQN';

describe('registerAccount', () => {
  it('writes one AccountRegistered with sealed personal data and makes the account findable', async () => {
    const input = signUp({ username: ' Meera.R ', email: 'Meera.R@Example.IN' });
    const { accountId, position } = await registerAccount(fx, input, meta());
    expect(position).toEqual(expect.any(String));
    const events = await fx.store.readStream(accountStream(accountId));
    expect(events.map((e) => e.type)).toEqual(['AccountRegistered']);
    const raw = JSON.stringify(events[0]!.data);
    for (const secret of ['Asha', 'meera.r@example.in', '9876543210', '234123412346'])
      expect(raw.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(events[0]!.data).toMatchObject({ username: 'meera.r', roles: ['customer'] });
    expect(await readPersonalData(fx, accountId)).toEqual({
      name: 'Asha Kumari',
      email: 'meera.r@example.in',
      mobile: '9876543210',
      aadhaar: '234123412346',
    });
    expect(await findAccountIdByUsername(fx.store, 'MEERA.R')).toBe(accountId);
    expect(await findAccountIdByEmail(fx, ' meera.r@example.in')).toBe(accountId);
    expect(await findAccountIdByUsername(fx.store, 'nobody-here')).toBeNull();
  });

  it('rejects invalid input before writing anything', async () => {
    const input = signUp({ email: 'not-an-email' });
    await expectCode(registerAccount(fx, input, meta()), 'INVALID_EMAIL');
    await expectCode(registerAccount(fx, signUp({ mobile: '12345' }), meta()), 'INVALID_MOBILE');
    expect(await fx.store.readStream(`username-${input.username}`)).toEqual([]);
    expect(await fx.store.readStream(accountStream(input.accountId))).toEqual([]);
  });

  it('refuses staff sign-ups from anyone but a superuser, leaving no reservation', async () => {
    const input = { ...signUp(), role: 'admin' as const };
    await expectCode(registerAccount(fx, input, meta()), 'NOT_AUTHORISED');
    expect(await fx.store.readStream(`username-${input.username}`)).toEqual([]);
    const superuser = await registered(fx, 'superuser');
    const admin = await registerAccount(fx, { ...signUp(), role: 'admin' }, meta(superuser));
    expect(await actorRoles(fx.store, admin.accountId)).toEqual(['admin']);
  });

  it('is idempotent: the same command twice writes one set of events', async () => {
    const input = signUp();
    const m = meta();
    const first = await registerAccount(fx, input, m);
    const again = await registerAccount(fx, input, m);
    expect(again).toEqual(first);
    expect(await fx.store.readStream(accountStream(input.accountId))).toHaveLength(1);
    expect(await fx.store.readStream(`username-${input.username}`)).toHaveLength(1);
  });

  it('a different command for an existing account id is ACCOUNT_EXISTS', async () => {
    const input = signUp();
    await registerAccount(fx, input, meta());
    await expectCode(registerAccount(fx, { ...input }, meta()), 'ACCOUNT_EXISTS');
  });

  it('rejects a taken username, and a taken email while freeing the username it claimed', async () => {
    const first = signUp();
    await registerAccount(fx, first, meta());
    await expectCode(
      registerAccount(fx, signUp({ username: first.username }), meta()),
      'USERNAME_TAKEN',
    );
    const loser = signUp({ email: first.email.toUpperCase() });
    await expectCode(registerAccount(fx, loser, meta()), 'EMAIL_TAKEN');
    expect(await fx.store.readStream(accountStream(loser.accountId))).toEqual([]);
    // The loser's username claim was released, so someone else can have it.
    const next = await registerAccount(fx, signUp({ username: loser.username }), meta());
    expect(await findAccountIdByUsername(fx.store, loser.username)).toBe(next.accountId);
  });

  it('after a crash between the reservations and the account, a retry completes', async () => {
    const input = signUp();
    const m = meta();
    const crashing: PersonalDataVault = {
      ...fx.vault,
      seal: () => Promise.reject(new Error('process died')),
    };
    await expect(registerAccount({ ...fx, vault: crashing }, input, m)).rejects.toThrow(
      'process died',
    );
    expect(await fx.store.readStream(accountStream(input.accountId))).toEqual([]);
    // Half-finished: the claim exists but names no account yet.
    expect(await fx.store.readStream(`username-${input.username}`)).toHaveLength(1);
    expect(await findAccountIdByUsername(fx.store, input.username)).toBeNull();
    await registerAccount(fx, input, m);
    expect(await findAccountIdByUsername(fx.store, input.username)).toBe(input.accountId);
    expect(await findAccountIdByEmail(fx, input.email)).toBe(input.accountId);
    expect(await fx.store.readStream(`username-${input.username}`)).toHaveLength(1);
  });
});

describe('stalled sign-ups', () => {
  const later = (minutes: number) => ({
    ...meta(),
    now: new Date(Date.parse(NOW) + minutes * 60_000).toISOString(),
  });

  it('a claim whose sign-up died and was never retried is reclaimed after 15 minutes', async () => {
    const stalled = signUp();
    const m = meta();
    const crashing: PersonalDataVault = {
      ...fx.vault,
      seal: () => Promise.reject(new Error('died')),
    };
    await expect(registerAccount({ ...fx, vault: crashing }, stalled, m)).rejects.toThrow('died');

    const sameName = signUp({ username: stalled.username });
    await expectCode(registerAccount(fx, sameName, later(5)), 'USERNAME_TAKEN');
    await registerAccount(fx, sameName, later(16));
    expect(await findAccountIdByUsername(fx.store, stalled.username)).toBe(sameName.accountId);
    const closed = await fx.store.readStream(accountStream(stalled.accountId));
    expect(closed.map((e) => [e.type, e.data.reclaimedBy])).toEqual([
      ['RegistrationAbandoned', sameName.accountId],
    ]);
    // The stalled sign-up can no longer finish, and its email claim is free at once.
    await expectCode(registerAccount(fx, stalled, m), 'REGISTRATION_ABANDONED');
    const sameEmail = signUp({ email: stalled.email });
    await registerAccount(fx, sameEmail, later(16));
    expect(await findAccountIdByEmail(fx, stalled.email)).toBe(sameEmail.accountId);
  });
});

describe('account lifecycle', () => {
  it('verifies email and mobile, sets and changes the password hash', async () => {
    const id = await registered(fx);
    await verifyEmail(fx, { accountId: id }, meta(id));
    await verifyMobile(fx, { accountId: id }, meta(id));
    await expectCode(
      setPassword(fx, { accountId: id, passwordHash: 'hunter2' }, meta(id)),
      'INVALID_PASSWORD_HASH',
    );
    await setPassword(fx, { accountId: id, passwordHash: PASSWORD_HASH }, meta(id));
    await changePassword(fx, { accountId: id, passwordHash: HASH2 }, meta(id));
    expect(await loadAccount(fx.store, id)).toMatchObject({
      emailVerified: true,
      mobileVerified: true,
      passwordHash: HASH2,
    });
    await expectCode(verifyEmail(fx, { accountId: randomUUID() }, meta()), 'ACCOUNT_NOT_FOUND');
  });

  it('roles: only an active superuser grants or revokes; the last role stays', async () => {
    const superuser = await registered(fx, 'superuser');
    const admin = await registered(fx, 'admin');
    const id = await registered(fx);
    await expectCode(
      grantRole(fx, { accountId: id, role: 'auditor' }, meta(admin)),
      'NOT_AUTHORISED',
    );
    await expectCode(grantRole(fx, { accountId: id, role: 'auditor' }, meta(id)), 'NOT_AUTHORISED');
    await grantRole(fx, { accountId: id, role: 'auditor' }, meta(superuser));
    await revokeRole(fx, { accountId: id, role: 'customer' }, meta(superuser));
    expect(await actorRoles(fx.store, id)).toEqual(['auditor']);
    await expectCode(
      revokeRole(fx, { accountId: id, role: 'auditor' }, meta(superuser)),
      'LAST_ROLE',
    );
    await requireRole(fx.store, id, ['auditor']);
    await expectCode(requireRole(fx.store, id, ['admin', 'superuser']), 'NOT_AUTHORISED');
  });

  it('admins disable and enable customers; a disabled actor has no authority', async () => {
    const superuser = await registered(fx, 'superuser');
    const admin = await registered(fx, 'admin');
    const id = await registered(fx);
    await disableAccount(fx, { accountId: id, reason: 'meter tampering' }, meta(admin));
    await expectCode(verifyMobile(fx, { accountId: id }, meta(id)), 'ACCOUNT_DISABLED');
    await enableAccount(fx, { accountId: id }, meta(admin));
    await expectCode(
      disableAccount(fx, { accountId: admin, reason: 'x' }, meta(admin)),
      'NOT_AUTHORISED',
    );
    await disableAccount(fx, { accountId: admin, reason: 'left the utility' }, meta(superuser));
    expect(await actorRoles(fx.store, admin)).toEqual([]);
    await expectCode(
      disableAccount(fx, { accountId: id, reason: 'x' }, meta(admin)),
      'NOT_AUTHORISED',
    );
  });
});

describe('changePersonalData', () => {
  it('moves the email reservation and resets email verification', async () => {
    const input = signUp();
    const { accountId } = await registerAccount(fx, input, meta());
    await verifyEmail(fx, { accountId }, meta(accountId));
    const m = meta(accountId);
    const change = { accountId, name: 'Asha K', email: `new.${input.email}`, mobile: '9123456789' };
    await changePersonalData(fx, change, m);
    await changePersonalData(fx, change, m); // a retry changes nothing more
    expect(await fx.store.readStream(accountStream(accountId))).toHaveLength(3);
    expect(await readPersonalData(fx, accountId)).toMatchObject({
      name: 'Asha K',
      mobile: '9123456789',
    });
    expect(await loadAccount(fx.store, accountId)).toMatchObject({ emailVerified: false });
    expect(await findAccountIdByEmail(fx, change.email)).toBe(accountId);
    expect(await findAccountIdByEmail(fx, input.email)).toBeNull();
    // The old address is free for someone else.
    const other = await registerAccount(fx, signUp({ email: input.email }), meta());
    expect(await findAccountIdByEmail(fx, input.email)).toBe(other.accountId);
  });

  it("rejects another account's email and leaves everything as it was", async () => {
    const a = signUp();
    const b = signUp();
    await registerAccount(fx, a, meta());
    await registerAccount(fx, b, meta());
    const change = { accountId: a.accountId, name: 'A', email: b.email, mobile: a.mobile };
    await expectCode(changePersonalData(fx, change, meta(a.accountId)), 'EMAIL_TAKEN');
    expect(await findAccountIdByEmail(fx, a.email)).toBe(a.accountId);
    expect(await readPersonalData(fx, a.accountId)).toMatchObject({ name: 'Asha Kumari' });
  });

  it('releases the new email again when the account refuses the change', async () => {
    const superuser = await registered(fx, 'superuser');
    const a = signUp();
    await registerAccount(fx, a, meta());
    await disableAccount(fx, { accountId: a.accountId, reason: 'fraud' }, meta(superuser));
    const change = { accountId: a.accountId, name: 'A', email: `x.${a.email}`, mobile: a.mobile };
    await expectCode(changePersonalData(fx, change, meta(a.accountId)), 'ACCOUNT_DISABLED');
    expect(await findAccountIdByEmail(fx, change.email)).toBeNull();
    const taker = await registerAccount(fx, signUp({ email: change.email }), meta());
    expect(await findAccountIdByEmail(fx, change.email)).toBe(taker.accountId);
  });
});

describe('readProfile', () => {
  it('shows opened personal data with Aadhaar masked and no password hash', async () => {
    const input = signUp();
    const { accountId } = await registerAccount(fx, input, meta());
    await setPassword(fx, { accountId, passwordHash: PASSWORD_HASH }, meta(accountId));
    const profile = await readProfile(fx, accountId);
    expect(profile).toEqual({
      accountId,
      username: input.username,
      roles: ['customer'],
      status: 'active',
      emailVerified: false,
      mobileVerified: false,
      personal: {
        name: 'Asha Kumari',
        email: input.email,
        mobile: '9876543210',
        aadhaarMasked: 'XXXX-XXXX-2346',
      },
    });
    expect(JSON.stringify(profile)).not.toContain('argon2');
    await expectCode(readProfile(fx, randomUUID()), 'ACCOUNT_NOT_FOUND');
  });
});

describe('TenantDirectory', () => {
  it('finds an active account by username and matching mobile only', async () => {
    const superuser = await registered(fx, 'superuser');
    const input = signUp({ mobile: '9988776655' });
    const { accountId } = await registerAccount(fx, input, meta());
    const directory = createTenantDirectory(fx);
    expect(await directory.findTenant(input.username.toUpperCase(), '+91 99887 76655')).toEqual({
      accountId,
    });
    expect(await directory.findTenant(input.username, '9988776654')).toBeNull();
    expect(await directory.findTenant(input.username, 'garbage')).toBeNull();
    expect(await directory.findTenant('no-such-user', '9988776655')).toBeNull();
    await disableAccount(fx, { accountId, reason: 'fraud' }, meta(superuser));
    expect(await directory.findTenant(input.username, '9988776655')).toBeNull();
  });
});
