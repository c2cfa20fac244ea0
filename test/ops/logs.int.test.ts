// No personal data or secrets in the logs: sign-up, verification, a failed
// and a successful password + SMS login, /me and logout driven through the app
// with its pino output captured at trace level. No email, mobile, name,
// username, password, emailed token, SMS code, session or CSRF cookie value
// may appear in any line. Also: a real Postgres error quoting a row value
// (unique violation) is logged without that value.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { redisKeyValueStore, type KeyValueStore } from '../../src/auth/kv.ts';
import { createPasswordHasher } from '../../src/auth/password.ts';
import { createNotifier, type Notifier, type DevOutbox } from '../../src/notify/index.ts';
import { buildApp } from '../../src/web/app.ts';
import { createAccountsFixture, type AccountsFixture } from '../commands/accounts-fixture.ts';
import {
  Browser,
  REDIS_URL,
  signupBody,
  startSmsGateway,
  startSmtp,
  type Captured,
} from '../web/auth-fixture.ts';

const lines: string[] = [];
const captured: Captured = { emails: [], sms: [] };
const closeLater: (() => Promise<unknown>)[] = [];
let app: FastifyInstance;
let accounts: AccountsFixture;
let kv: KeyValueStore & { redis: Redis };
let notifier: Notifier & { outbox: DevOutbox | null };
const prefix = `test:${randomBytes(6).toString('hex')}:`;

beforeAll(async () => {
  accounts = await createAccountsFixture();
  const smtp = await startSmtp(captured);
  closeLater.push(() => smtp.close());
  const smsToken = randomBytes(8).toString('hex');
  const sms = await startSmsGateway(captured, smsToken);
  closeLater.push(() => sms.close());
  kv = redisKeyValueStore(REDIS_URL, prefix);
  notifier = createNotifier(
    { smtpUrl: smtp.url, smtpFrom: 'ledger <no-reply@example.in>', smsUrl: sms.url, smsToken },
    kv,
  );
  app = await buildApp({
    store: accounts.store,
    logLevel: 'trace',
    logStream: { write: (line: string) => void lines.push(line) },
    auth: {
      vault: accounts.vault,
      lookupKey: accounts.lookupKey,
      kv,
      redis: kv.redis,
      notifier,
      nodeEnv: 'test',
      publicUrl: 'http://127.0.0.1:3000',
      hasher: createPasswordHasher(12),
      rateLimits: { global: 10_000, auth: 10_000 },
    },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await notifier?.close();
  await kv?.close();
  const raw = new Redis(REDIS_URL);
  const keys = await raw.keys(`${prefix}*`);
  if (keys.length > 0) await raw.del(...keys);
  await raw.quit();
  for (const close of closeLater.reverse()) await close();
  await accounts?.close();
});

const poll = async <T>(find: () => T | undefined): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('nothing captured');
};
const tokenFor = (to: string) =>
  poll(() => {
    const raw = captured.emails.filter((e) => e.to === to).at(-1)?.raw;
    return raw ? /#token=([A-Za-z0-9_-]{43})/.exec(raw)?.[1] : undefined;
  });
const codeAfter = (mobile: string, count: number) =>
  poll(() => {
    const all = captured.sms.filter((s) => s.to === mobile);
    return all.length > count ? /\b(\d{6})\b/.exec(all.at(-1)!.text)?.[1] : undefined;
  });
const smsCount = (mobile: string) => captured.sms.filter((s) => s.to === mobile).length;

/** `value` as a whole token in the log: not a digit run inside a longer number. */
const appearsIn = (log: string, value: string) =>
  new RegExp(
    `(?<![0-9A-Za-z_-])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z_-])`,
    'i',
  ).test(log);

describe('logs of the authentication flows', () => {
  it('hold no email, mobile, name, password, token, code or cookie value', async () => {
    const body = signupBody({ name: 'Meenakshi Raghunathan' });
    const secrets: string[] = [body.email, body.mobile, body.name, body.username, body.password];
    const browser = new Browser(app);

    expect((await browser.post('/api/auth/signup', body)).statusCode).toBe(202);
    const emailToken = await tokenFor(body.email);
    secrets.push(emailToken);
    await browser.post('/api/auth/verify-email', { token: emailToken });
    const mobileCode = await codeAfter(body.mobile, 0);
    secrets.push(mobileCode);
    await browser.post('/api/auth/verify-mobile', { code: mobileCode });

    const wrong = await browser.post('/api/auth/login', {
      username: body.username,
      password: 'Not-The-Password-99',
    });
    expect(wrong.statusCode).toBeGreaterThanOrEqual(400);
    secrets.push('Not-The-Password-99');

    const sent = smsCount(body.mobile);
    const login = await browser.post('/api/auth/login', {
      username: body.username,
      password: body.password,
    });
    expect(login.json()).toEqual({ status: 'mfa-required' });
    const loginCode = await codeAfter(body.mobile, sent);
    secrets.push(loginCode);
    const mfa = await browser.post('/api/auth/login/mfa', { code: loginCode });
    expect(mfa.json()).toEqual({ status: 'signed-in' });
    expect((await browser.get('/api/auth/me')).statusCode).toBe(200);
    secrets.push(...browser.cookies.values());
    await browser.post('/api/auth/logout');

    const log = lines.join('');
    // The capture works: requests were logged, with their route patterns.
    expect(log).toContain('"route":"/api/auth/login/mfa"');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(appearsIn(log, secret), secret).toBe(false);
    expect(log).not.toMatch(/set-cookie|"cookie"|authorization/i);
  });

  it('logs a database error without the row value it quotes', async () => {
    const marker = `leak${randomBytes(4).toString('hex')}@example.in`;
    const db = accounts.testStore.db;
    const error = await db
      .transaction(async (tx) => {
        await tx.query('CREATE TEMP TABLE log_probe_tx (v text PRIMARY KEY)');
        await tx.query('INSERT INTO log_probe_tx VALUES ($1)', [marker]);
        await tx.query('INSERT INTO log_probe_tx VALUES ($1)', [marker]);
      })
      .catch((e: unknown) => e);
    expect(String((error as { detail?: string }).detail)).toContain(marker);
    app.log.error({ err: error }, 'request failed');
    const line = lines.at(-1)!;
    expect(line).toContain('duplicate key value');
    expect(line).not.toContain(marker);
  });
});
