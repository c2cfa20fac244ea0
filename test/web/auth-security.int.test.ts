// Security cases of the authentication API, each its own test: reuse and
// concurrent double use of codes and links, resend invalidation, brute force
// caps per account from several addresses, CSRF, disabled accounts, account
// enumeration, legacy hashes, bad bodies and the common-password list.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { registerAccount } from '../../src/commands/accounts.ts';
import { accountStream, BOOTSTRAP_ACTOR } from '../../src/domain/account/index.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { meta, signUp } from '../commands/accounts-fixture.ts';
import { Browser, createAuthHarness, signupBody } from './auth-fixture.ts';

const withoutInstance = (body: Record<string, unknown>) => ({ ...body, instance: undefined });

describe('authentication security cases', () => {
  const h = openedBeforeAll(createAuthHarness);

  async function signedUp() {
    const browser = new Browser(h.app);
    const body = signupBody();
    expect((await browser.post('/api/auth/signup', body)).statusCode).toBe(202);
    return { browser, body };
  }

  it('a verification link works once', async () => {
    const { browser, body } = await signedUp();
    const token = await h.tokenFor(body.email);
    expect((await browser.post('/api/auth/verify-email', { token })).statusCode).toBe(200);
    const again = await browser.post('/api/auth/verify-email', { token });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ code: 'INVALID_LINK' });
  });

  it('an SMS code works once', async () => {
    const { browser, body } = await signedUp();
    const code = await h.codeFor(body.mobile);
    expect((await browser.post('/api/auth/verify-mobile', { code })).statusCode).toBe(200);
    const again = await browser.post('/api/auth/verify-mobile', { code });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ code: 'INVALID_CODE' });
  });

  it('two concurrent uses of one login link: exactly one signs in', async () => {
    const { browser, body } = await signedUp();
    await browser.post('/api/auth/login/link', { email: body.email });
    const token = await h.tokenFor(body.email);
    const csrf = await browser.csrf();
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const consume = () =>
      h.app.inject({
        method: 'POST',
        url: '/api/auth/login/link/consume',
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { token },
      });
    const results = await Promise.all([consume(), consume()]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
  });

  it('two concurrent uses of one MFA code: exactly one completes', async () => {
    const { browser, body } = await signedUp();
    await browser.post('/api/auth/verify-mobile', { code: await h.codeFor(body.mobile) });
    await browser.post('/api/auth/login', { username: body.username, password: body.password });
    const code = await h.codeFor(body.mobile);
    const csrf = await browser.csrf();
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const attempt = () =>
      h.app.inject({
        method: 'POST',
        url: '/api/auth/login/mfa',
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { code },
      });
    const results = await Promise.all([attempt(), attempt()]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
  });

  it('a resend invalidates the previous code', async () => {
    const { browser, body } = await signedUp();
    const first = await h.codeFor(body.mobile);
    const count = h.captured.sms.length;
    expect((await browser.post('/api/auth/verify-mobile/resend')).statusCode).toBe(202);
    expect(h.captured.sms.length).toBe(count + 1);
    const second = await h.codeFor(body.mobile);
    if (first !== second) {
      const old = await browser.post('/api/auth/verify-mobile', { code: first });
      expect(old.json()).toMatchObject({ code: 'INVALID_CODE' });
    }
    expect((await browser.post('/api/auth/verify-mobile', { code: second })).statusCode).toBe(200);
  });

  it('a resent link invalidates the previous link', async () => {
    const { browser, body } = await signedUp();
    await browser.post('/api/auth/password/reset', { email: body.email });
    const first = await h.tokenFor(body.email);
    await browser.post('/api/auth/password/reset', { email: body.email });
    const second = await h.tokenFor(body.email);
    expect(second).not.toBe(first);
    const old = await browser.post('/api/auth/password/reset/confirm', {
      token: first,
      newPassword: 'Kettle-Harbour-81',
    });
    expect(old.statusCode).toBe(400);
  });

  it('wrong MFA codes from several addresses lock the account, even with resends', async () => {
    const { browser, body } = await signedUp();
    await browser.post('/api/auth/verify-mobile', { code: await h.codeFor(body.mobile) });
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      // A fresh address and a fresh code each round: per-IP and per-code limits alone would reset.
      const attacker = new Browser(h.app, `198.51.100.${i + 1}`);
      await attacker.post('/api/auth/login', { username: body.username, password: body.password });
      const real = await h.codeFor(body.mobile);
      for (let j = 0; j < 3; j++) {
        const wrong = String((Number(real) + 1 + j) % 1_000_000).padStart(6, '0');
        statuses.push((await attacker.post('/api/auth/login/mfa', { code: wrong })).json().code);
      }
    }
    expect(statuses).toContain('CODE_LOCKED');
    const last = new Browser(h.app, '198.51.100.99');
    await last.post('/api/auth/login', { username: body.username, password: body.password });
    const right = await last.post('/api/auth/login/mfa', { code: await h.codeFor(body.mobile) });
    expect(right.statusCode).toBe(429);
    expect(right.json()).toMatchObject({ code: 'CODE_LOCKED' });
  });

  it('password guesses from several addresses hit the per-account cap', async () => {
    const { body } = await signedUp();
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const attacker = new Browser(h.app, `192.0.2.${i + 1}`);
      // Alternating username and email: both count against the one account.
      const username = i % 2 === 0 ? body.username : body.email;
      const response = await attacker.post('/api/auth/login', {
        username,
        password: `guess-${i}-x`,
      });
      codes.push(response.json().code);
    }
    expect(codes.slice(0, 10).every((c) => c === 'INVALID_CREDENTIALS')).toBe(true);
    expect(codes.slice(10)).toEqual(['LOGIN_LOCKED', 'LOGIN_LOCKED']);
    const owner = new Browser(h.app, '192.0.2.200');
    const locked = await owner.post('/api/auth/login', {
      username: body.username,
      password: body.password,
    });
    expect(locked.statusCode).toBe(429);
  });

  it('a state-changing request without a CSRF token gets a 403 problem', async () => {
    const body = signupBody();
    const response = await h.app.inject({ method: 'POST', url: '/api/auth/signup', payload: body });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 403, code: 'CSRF_TOKEN_INVALID' });
    const browser = new Browser(h.app);
    await browser.csrf();
    const forged = await h.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: {
        cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-csrf-token': 'forged',
      },
    });
    expect(forged.statusCode).toBe(403);
  });

  it('disabling an account ends all of its sessions', async () => {
    const { body } = await signedUp();
    const laptop = new Browser(h.app);
    const phone = new Browser(h.app);
    for (const b of [laptop, phone])
      await b.post('/api/auth/login', { username: body.username, password: body.password });
    const { accountId } = (await laptop.get('/api/auth/me')).json() as { accountId: string };

    const admin = await staffBrowser();
    const customerTry = await phone.post(`/api/admin/accounts/${accountId}/disable`, {
      reason: 'x',
    });
    expect(customerTry.statusCode).toBe(403);
    const disable = await admin.post(`/api/admin/accounts/${accountId}/disable`, {
      reason: 'fraud',
    });
    expect(disable.json()).toEqual({ status: 'disabled', sessionsEnded: 2 });
    expect((await laptop.get('/api/auth/me')).statusCode).toBe(401);
    expect((await phone.get('/api/auth/me')).statusCode).toBe(401);
    const again = await laptop.post('/api/auth/login', {
      username: body.username,
      password: body.password,
    });
    expect(again.statusCode).toBe(401);
  });

  it('login: same status and body for an unknown account and a wrong password', async () => {
    const { body } = await signedUp();
    const unknown = await new Browser(h.app).post('/api/auth/login', {
      username: `nobody${randomUUID().slice(0, 8)}`,
      password: 'Whatever-Pass-1',
    });
    const wrong = await new Browser(h.app).post('/api/auth/login', {
      username: body.username,
      password: 'Whatever-Pass-1',
    });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(withoutInstance(unknown.json())).toEqual(withoutInstance(wrong.json()));
  });

  it('reset and link requests: same answer for an unknown email', async () => {
    const { body } = await signedUp();
    for (const url of ['/api/auth/password/reset', '/api/auth/login/link']) {
      const known = await new Browser(h.app).post(url, { email: body.email });
      const unknown = await new Browser(h.app).post(url, {
        email: `nobody-${randomUUID()}@example.in`,
      });
      expect([known.statusCode, unknown.statusCode]).toEqual([202, 202]);
      expect(unknown.body).toBe(known.body);
      expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(known.headers).sort());
    }
  });

  it('sign-up with a taken email answers the same and emails the owner instead', async () => {
    const { body } = await signedUp();
    const before = h.emailsTo(body.email).length;
    const fresh = await new Browser(h.app).post('/api/auth/signup', signupBody());
    const taken = await new Browser(h.app).post(
      '/api/auth/signup',
      signupBody({ email: body.email }),
    );
    expect([fresh.statusCode, taken.statusCode]).toEqual([202, 202]);
    expect(taken.body).toBe(fresh.body);
    const mails = h.emailsTo(body.email);
    expect(mails.length).toBe(before + 1);
    expect(mails.at(-1)).toContain('Someone tried to sign up with your email');
    expect(mails.at(-1)).not.toContain('#token=');
  });

  it('a legacy werkzeug pbkdf2 hash verifies and is replaced by scrypt at login', async () => {
    const input = signUp({ mobile: '9812345670' });
    await registerAccount(h.accounts, input, meta());
    // As the prototype's importer stores it: the werkzeug string itself.
    const legacy =
      'pbkdf2:sha256:50000$Xq3sWb1d$3569ef46aba76b0b29235bb4e00337d0d089fd60a096487ba9cdbd5142da7bb7';
    await h.accounts.store.append(accountStream(input.accountId), [
      { id: randomUUID(), type: 'PasswordSet', data: { passwordHash: legacy, at: meta().now } },
    ]);
    const browser = new Browser(h.app);
    const wrong = await browser.post('/api/auth/login', {
      username: input.username,
      password: 'nope-nope-1',
    });
    expect(wrong.statusCode).toBe(401);
    const login = await browser.post('/api/auth/login', {
      username: input.username,
      password: 'Monsoon-Meter-42',
    });
    expect(login.json()).toEqual({ status: 'signed-in' });
    const events = await h.accounts.store.readStream(accountStream(input.accountId));
    const last = events.at(-1)!;
    expect(last.type).toBe('PasswordChanged');
    expect(String(last.data.passwordHash)).toMatch(/^\$scrypt\$ln=12,r=8,p=1\$/);
    const again = await new Browser(h.app).post('/api/auth/login', {
      username: input.username,
      password: 'Monsoon-Meter-42',
    });
    expect(again.json()).toEqual({ status: 'signed-in' });
  });

  it('oversized and malformed bodies get 4xx problem+json', async () => {
    const browser = new Browser(h.app);
    const big = await browser.post('/api/auth/login', {
      username: 'x'.repeat(100_000),
      password: 'y',
    });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toContain('application/problem+json');
    const token = await browser.csrf();
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const broken = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { cookie, 'x-csrf-token': token, 'content-type': 'application/json' },
      payload: '{"username": "a", "password":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const wrongShape = await browser.post('/api/auth/login', {
      username: 42,
      password: [],
      extra: true,
    });
    expect(wrongShape.statusCode).toBe(400);
    expect(wrongShape.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    const badCode = await browser.post('/api/auth/verify-mobile', { code: '12ab56' });
    expect(badCode.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('sign-up rejects a common password and a short one', async () => {
    const browser = new Browser(h.app);
    const common = await browser.post('/api/auth/signup', signupBody({ password: 'iloveyou' }));
    expect(common.statusCode).toBe(422);
    expect(common.json()).toMatchObject({ code: 'PASSWORD_TOO_COMMON' });
    const short = await browser.post('/api/auth/signup', signupBody({ password: 'Ab1-xyz' }));
    expect(short.json()).toMatchObject({ code: 'PASSWORD_TOO_SHORT' });
    const noConsent = await browser.post('/api/auth/signup', signupBody({ consent: false }));
    expect(noConsent.statusCode).toBe(400);
  });

  /** A signed-in admin, made the way the bootstrap makes staff. */
  async function staffBrowser(): Promise<Browser> {
    const input = signUp({ mobile: '9800000001' });
    await registerAccount(h.accounts, { ...input, role: 'admin' }, meta(BOOTSTRAP_ACTOR));
    const browser = new Browser(h.app);
    await browser.post('/api/auth/password/reset', { email: input.email });
    await browser.post('/api/auth/password/reset/confirm', {
      token: await h.tokenFor(input.email),
      newPassword: 'Admin-Lantern-55',
    });
    await browser.post('/api/auth/login', {
      username: input.username,
      password: 'Admin-Lantern-55',
    });
    return browser;
  }
});
