// The first superuser: bootstrap-admin creates it with no password, its
// one-time link signs in once, the superuser then sets a password and can
// log in with it; a second bootstrap is refused. Also: the dev outbox API
// exists outside production only.

import { describe, expect, it } from 'vitest';
import { memoryKeyValueStore } from '../../src/auth/kv.ts';
import { createPasswordHasher } from '../../src/auth/password.ts';
import { activeSuperusers, bootstrapAdmin } from '../../src/cli/bootstrap-admin.ts';
import { createNotifier } from '../../src/notify/index.ts';
import { openAesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import { buildApp } from '../../src/web/app.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { expectCode } from '../commands/accounts-fixture.ts';
import { createPgliteTestStore } from '../support/store.ts';
import { Browser, createAuthHarness, signupBody } from './auth-fixture.ts';

describe('bootstrap-admin', () => {
  const h = openedBeforeAll(createAuthHarness);

  it('creates a superuser whose printed link signs in once; a second bootstrap is refused', async () => {
    const input = {
      username: 'root-admin',
      email: 'root@example.in',
      mobile: '9811122233',
      name: 'Root Admin',
    };
    const deps = { ...h.accounts, kv: h.kv, publicUrl: 'http://127.0.0.1:3000/' };
    const { link } = await bootstrapAdmin(deps, input, new Date());
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:3000\/login\/link#token=[A-Za-z0-9_-]{43}$/);
    const token = link.split('#token=')[1]!;

    const browser = new Browser(h.app);
    const consume = await browser.post('/api/auth/login/link/consume', { token });
    expect(consume.json()).toEqual({ status: 'signed-in' });
    expect((await browser.get('/api/auth/me')).json()).toMatchObject({ roles: ['superuser'] });
    expect(
      (await new Browser(h.app).post('/api/auth/login/link/consume', { token })).statusCode,
    ).toBe(400);

    const set = await browser.post('/api/auth/password/change', {
      newPassword: 'Root-Granite-Ledger-1',
    });
    expect(set.json()).toEqual({ status: 'password-changed' });
    const login = await new Browser(h.app).post('/api/auth/login', {
      username: 'root-admin',
      password: 'Root-Granite-Ledger-1',
    });
    expect(login.json()).toEqual({ status: 'signed-in' });

    // readAll shows only settled transactions; other suites on the server can hold them back briefly.
    for (let i = 0; i < 100 && (await activeSuperusers(h.accounts.store)).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await activeSuperusers(h.accounts.store)).toHaveLength(1);
    await expectCode(
      bootstrapAdmin(
        deps,
        { ...input, username: 'second-root', email: 'second@example.in' },
        new Date(),
      ),
      'SUPERUSER_EXISTS',
    );
  });
});

describe('dev outbox API', () => {
  it('shows codes and links outside production and does not exist in production', async () => {
    const testStore = await createPgliteTestStore();
    await migratePrivacy(testStore.db);
    const vault = await openAesVault({ db: testStore.db, masterKey: Buffer.alloc(32, 7) });
    const build = async (nodeEnv: 'development' | 'production') => {
      const kv = memoryKeyValueStore();
      const notifier = createNotifier(
        { smtpUrl: undefined, smtpFrom: 'x <x@x.in>', smsUrl: undefined, smsToken: undefined },
        kv,
      );
      const publicUrl =
        nodeEnv === 'production' ? 'https://ledger.example.in' : 'http://localhost:3000';
      const app = await buildApp({
        store: testStore.store,
        logLevel: 'silent',
        auth: {
          vault,
          lookupKey: Buffer.alloc(32, 9),
          kv,
          redis: null,
          notifier,
          nodeEnv,
          publicUrl,
          hasher: createPasswordHasher(12),
        },
      });
      await app.ready();
      return app;
    };
    const dev = await build('development');
    const body = signupBody();
    await new Browser(dev).post('/api/auth/signup', body);
    const outbox = await dev.inject({ method: 'GET', url: '/api/dev/outbox' });
    expect(outbox.statusCode).toBe(200);
    const entries = (outbox.json() as { entries: { channel: string; to: string; text: string }[] })
      .entries;
    expect(entries.map((e) => [e.channel, e.to])).toEqual([
      ['sms', body.mobile],
      ['email', body.email],
    ]);
    expect(entries[1]!.text).toMatch(/#token=/);

    const prod = await build('production');
    expect((await prod.inject({ method: 'GET', url: '/api/dev/outbox' })).statusCode).toBe(404);
    // Over https the cookies carry the __Host- prefix and Secure.
    const csrf = await prod.inject({ method: 'GET', url: '/api/csrf' });
    expect(csrf.cookies[0]).toMatchObject({ name: '__Host-ml_csrf', secure: true, httpOnly: true });

    await dev.close();
    await prod.close();
    await vault.close();
    await testStore.close();
  });
});
