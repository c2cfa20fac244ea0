// No personal data or secrets in the logs: sign-up, verification, a failed
// and a successful password + SMS login, /me and logout driven through the app
// with its pino output captured at trace level. No email, mobile, name,
// username, password, emailed token, SMS code, session or CSRF cookie value
// may appear in any line. Also: a real Postgres error quoting a row value
// (unique violation) is logged without that value.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createAuthHarness, signupBody, type AuthHarness } from '../web/auth-fixture.ts';

const lines: string[] = [];
let h: AuthHarness;

beforeAll(async () => {
  h = await createAuthHarness({
    logLevel: 'trace',
    logStream: { write: (line: string) => void lines.push(line) },
  });
});

afterAll(async () => {
  await h?.close();
});

const smsCount = (mobile: string) => h.captured.sms.filter((s) => s.to === mobile).length;

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
    const browser = new Browser(h.app);

    expect((await browser.post('/api/auth/signup', body)).statusCode).toBe(202);
    const emailToken = await h.tokenFor(body.email);
    secrets.push(emailToken);
    await browser.post('/api/auth/verify-email', { token: emailToken });
    const mobileCode = await h.codeFor(body.mobile);
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
    const loginCode = await h.codeFor(body.mobile, sent);
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
    const db = h.accounts.testStore.db;
    const error = await db
      .transaction(async (tx) => {
        await tx.query('CREATE TEMP TABLE log_probe_tx (v text PRIMARY KEY)');
        await tx.query('INSERT INTO log_probe_tx VALUES ($1)', [marker]);
        await tx.query('INSERT INTO log_probe_tx VALUES ($1)', [marker]);
      })
      .catch((e: unknown) => e);
    expect(String((error as { detail?: string }).detail)).toContain(marker);
    h.app.log.error({ err: error }, 'request failed');
    const line = lines.at(-1)!;
    expect(line).toContain('duplicate key value');
    expect(line).not.toContain(marker);
  });
});
