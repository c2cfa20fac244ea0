// Every authentication flow end to end over HTTP, reading codes and links from
// the captured SMTP mail and SMS: sign-up and verification, password + SMS
// login, password-less link login, reset, change, logout, /me.

import { describe, expect, it } from 'vitest';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { Browser, createAuthHarness, signupBody } from './auth-fixture.ts';

describe('authentication flows over HTTP', () => {
  const h = openedBeforeAll(createAuthHarness);

  /** Signs up and verifies email and mobile; returns the browser and the sign-up body. */
  async function verifiedCustomer() {
    const browser = new Browser(h.app);
    const body = signupBody();
    const signup = await browser.post('/api/auth/signup', body);
    expect(signup.statusCode).toBe(202);
    expect(signup.json()).toEqual({ status: 'check-email' });
    const verify = await browser.post('/api/auth/verify-email', {
      token: await h.tokenFor(body.email),
    });
    expect(verify.json()).toEqual({ status: 'email-verified' });
    const mobile = await browser.post('/api/auth/verify-mobile', {
      code: await h.codeFor(body.mobile),
    });
    expect(mobile.json()).toEqual({ status: 'mobile-verified' });
    return { browser, body };
  }

  it('signs up, verifies email and mobile, then logs in with password and SMS code; ids rotate', async () => {
    const { body } = await verifiedCustomer();
    const browser = new Browser(h.app);
    await browser.get('/api/csrf');
    const before = h.captured.sms.length;
    const login = await browser.post('/api/auth/login', {
      username: body.username,
      password: body.password,
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({ status: 'mfa-required' });
    const pending = browser.session();
    expect(pending).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Half-signed-in is not signed in.
    expect((await browser.get('/api/auth/me')).statusCode).toBe(401);
    expect(h.captured.sms.length).toBe(before + 1);

    const mfa = await browser.post('/api/auth/login/mfa', { code: await h.codeFor(body.mobile) });
    expect(mfa.json()).toEqual({ status: 'signed-in' });
    expect(browser.session()).not.toBe(pending);

    const me = await browser.get('/api/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      username: body.username,
      roles: ['customer'],
      status: 'active',
      emailVerified: true,
      mobileVerified: true,
      personal: { email: body.email, mobile: body.mobile },
    });
  });

  it('a session started before login is replaced at login (fixation)', async () => {
    const body = signupBody();
    const browser = new Browser(h.app);
    await browser.post('/api/auth/signup', body);
    // Mobile unverified: the password alone completes the sign-in.
    const first = await browser.post('/api/auth/login', {
      username: body.username,
      password: body.password,
    });
    expect(first.json()).toEqual({ status: 'signed-in' });
    const firstId = browser.session()!;
    const attacker = new Browser(h.app);
    attacker.cookies.set('ml_session', firstId);
    const second = await browser.post('/api/auth/login', {
      username: body.email,
      password: body.password,
    });
    expect(second.json()).toEqual({ status: 'signed-in' });
    expect(browser.session()).not.toBe(firstId);
    expect((await attacker.get('/api/auth/me')).statusCode).toBe(401);
    expect((await browser.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('logs in password-less with an emailed link, bound to the browser that asked', async () => {
    const body = signupBody();
    const browser = new Browser(h.app);
    await browser.post('/api/auth/signup', body);
    await browser.post('/api/auth/verify-email', { token: await h.tokenFor(body.email) });

    const request = await browser.post('/api/auth/login/link', { email: body.email });
    expect(request.statusCode).toBe(202);
    const token = await h.tokenFor(body.email);
    const elsewhere = new Browser(h.app);
    const stolen = await elsewhere.post('/api/auth/login/link/consume', { token });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toMatchObject({ code: 'INVALID_LINK' });

    const consume = await browser.post('/api/auth/login/link/consume', { token });
    expect(consume.json()).toEqual({ status: 'signed-in' });
    expect((await browser.get('/api/auth/me')).json()).toMatchObject({ username: body.username });
  });

  it('link login still asks for the SMS code when the mobile is verified', async () => {
    const { browser, body } = await verifiedCustomer();
    await browser.post('/api/auth/login/link', { email: body.email });
    const consume = await browser.post('/api/auth/login/link/consume', {
      token: await h.tokenFor(body.email),
    });
    expect(consume.json()).toEqual({ status: 'mfa-required' });
    const mfa = await browser.post('/api/auth/login/mfa', { code: await h.codeFor(body.mobile) });
    expect(mfa.json()).toEqual({ status: 'signed-in' });
  });

  it('resets a forgotten password by email and ends existing sessions', async () => {
    const body = signupBody();
    const device = new Browser(h.app);
    await device.post('/api/auth/signup', body);
    await device.post('/api/auth/login', { username: body.username, password: body.password });
    expect((await device.get('/api/auth/me')).statusCode).toBe(200);

    const browser = new Browser(h.app);
    expect((await browser.post('/api/auth/password/reset', { email: body.email })).statusCode).toBe(
      202,
    );
    const token = await h.tokenFor(body.email);
    const common = await browser.post('/api/auth/password/reset/confirm', {
      token,
      newPassword: 'password123',
    });
    expect(common.statusCode).toBe(422);
    expect(common.json()).toMatchObject({ code: 'PASSWORD_TOO_COMMON' });
    const reset = await browser.post('/api/auth/password/reset/confirm', {
      token,
      newPassword: 'Tide-Lamp-Orchard-7',
    });
    expect(reset.json()).toEqual({ status: 'password-changed' });

    expect((await device.get('/api/auth/me')).statusCode).toBe(401);
    const old = await browser.post('/api/auth/login', {
      username: body.username,
      password: body.password,
    });
    expect(old.statusCode).toBe(401);
    const fresh = await browser.post('/api/auth/login', {
      username: body.username,
      password: 'Tide-Lamp-Orchard-7',
    });
    expect(fresh.json()).toEqual({ status: 'signed-in' });
  });

  it('changes the password when signed in, checking the current one', async () => {
    const body = signupBody();
    const browser = new Browser(h.app);
    await browser.post('/api/auth/signup', body);
    await browser.post('/api/auth/login', { username: body.username, password: body.password });
    const before = browser.session();
    const wrong = await browser.post('/api/auth/password/change', {
      currentPassword: 'not-my-password',
      newPassword: 'Quiet-River-Stone-9',
    });
    expect(wrong.statusCode).toBe(403);
    const change = await browser.post('/api/auth/password/change', {
      currentPassword: body.password,
      newPassword: 'Quiet-River-Stone-9',
    });
    expect(change.json()).toEqual({ status: 'password-changed' });
    expect(browser.session()).not.toBe(before);
    expect((await browser.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('logout ends the session on the server, not only in the browser', async () => {
    const body = signupBody();
    const browser = new Browser(h.app);
    await browser.post('/api/auth/signup', body);
    await browser.post('/api/auth/login', { username: body.username, password: body.password });
    const id = browser.session()!;
    const logout = await browser.post('/api/auth/logout');
    expect(logout.json()).toEqual({ status: 'signed-out' });
    const replay = new Browser(h.app);
    replay.cookies.set('ml_session', id);
    expect((await replay.get('/api/auth/me')).statusCode).toBe(401);
  });

  it('sets HttpOnly SameSite=Lax session cookies (Secure only over https)', async () => {
    const body = signupBody();
    const browser = new Browser(h.app);
    await browser.post('/api/auth/signup', body);
    const login = await browser.post('/api/auth/login', {
      username: body.username,
      password: body.password,
    });
    const cookie = login.cookies.find((c) => c.name === 'ml_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  });

  it('serves the OpenAPI document with the auth routes at /api/docs', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/signup',
        '/api/auth/login',
        '/api/auth/login/mfa',
        '/api/csrf',
      ]),
    );
  });
});
