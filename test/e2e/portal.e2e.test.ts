// The customer's journey in a real browser against a real server: sign up,
// verify the mobile with the SMS code and the email with the link (both read
// from the dev outbox), sign in with password + SMS code, and the rejections
// a person meets on the way (bad form, wrong password, spent link).

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureUiBuild,
  fromOutbox,
  launchBrowser,
  screenshot,
  startLedger,
  type Ledger,
} from './harness.ts';

describe('customer portal in Chromium', () => {
  let ledger: Ledger;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ensureUiBuild();
    ledger = await startLedger();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-IN' });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  const asha = {
    name: 'Asha Rao',
    username: 'asha',
    email: 'asha@example.in',
    mobile: '9876543210',
    password: 'monsoon-ledger-42',
  };

  it('refuses an incomplete sign-up form before it reaches the server, naming each field', async () => {
    await page.goto(`${ledger.url}/signup`);
    await page.getByLabel('Mobile number (10 digits)').fill('12345');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect
      .poll(() => page.getByText('Enter 10 digits, starting 6, 7, 8 or 9.').count())
      .toBe(1);
    expect(await page.getByText('Please agree to continue.').count()).toBe(1);
    expect(await page.getByLabel('Mobile number (10 digits)').getAttribute('aria-invalid')).toBe(
      'true',
    );
  });

  it('signs up and verifies the mobile with the SMS code', async () => {
    const started = Date.now();
    await page.goto(`${ledger.url}/signup`);
    await page.getByLabel('Full name').fill(asha.name);
    await page.getByLabel('Username').fill(asha.username);
    await page.getByLabel('Email').fill(asha.email);
    await page.getByLabel('Mobile number (10 digits)').fill(asha.mobile);
    await page.getByLabel('Password').fill(asha.password);
    await page.getByLabel(/I agree/).check();
    await screenshot(page, 'portal-signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Verify your mobile' }).waitFor();

    const code = await fromOutbox(ledger.url, 'sms', asha.mobile, /(\d{6}) is your/, started);
    await page.getByLabel('Code from the SMS').fill(code);
    await page.getByRole('button', { name: 'Verify mobile' }).click();
    await page.getByText('Your mobile number is verified.').waitFor();
  });

  it('verifies the email by opening the emailed link, which works once only', async () => {
    const link = await fromOutbox(
      ledger.url,
      'email',
      asha.email,
      /(http\S+\/verify-email#token=[\w-]+)/,
    );
    await page.goto(link);
    await page.getByText('Your email address is verified.').waitFor();
    expect(page.url()).not.toContain('token=');

    // From another page: the same URL with only a new fragment would not load the page again.
    await page.goto('about:blank');
    await page.goto(link);
    await page.getByText('This link is invalid, already used or expired.').waitFor();
  });

  it('shows a friendly error for a wrong password', async () => {
    await page.goto(`${ledger.url}/login`);
    await page.getByLabel('Username or email').fill(asha.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('That username and password do not match.').waitFor();
  });

  it('signs in with password and SMS code and lands in the portal', async () => {
    await page.goto(`${ledger.url}/login`);
    await screenshot(page, 'portal-login');
    const started = Date.now();
    await page.getByLabel('Username or email').fill(asha.username);
    await page.getByLabel('Password').fill(asha.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Enter the code we sent by SMS' }).waitFor();
    const code = await fromOutbox(
      ledger.url,
      'sms',
      asha.mobile,
      /(\d{6}) is your meterledger sign-in/,
      started,
    );
    await page.getByLabel('6-digit code').fill(code);
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('heading', { name: 'Hello, Asha Rao' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/portal');
    expect(await page.getByText('verified', { exact: true }).count()).toBe(2);
    await screenshot(page, 'portal-home');
  });

  it('sends an anonymous visitor of a portal page to sign in, and back after', async () => {
    const anonymous = await browser.newPage();
    await anonymous.goto(`${ledger.url}/portal/properties`);
    await anonymous.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(anonymous.url()).searchParams.get('next')).toBe('/portal/properties');
    await anonymous.close();
  });

  it('signs in password-less with an emailed link, then the SMS code', async () => {
    const fresh = await browser.newContext({ locale: 'en-IN' });
    fresh.setDefaultTimeout(10_000);
    const other = await fresh.newPage();
    const started = Date.now();
    await other.goto(`${ledger.url}/login`);
    await other.getByRole('link', { name: 'Email me a sign-in link instead' }).click();
    await other.getByLabel('Email', { exact: true }).fill(asha.email);
    await other.getByRole('button', { name: 'Email me a link' }).click();
    await other.getByText(/a sign-in link is on its way/).waitFor();
    const link = await fromOutbox(
      ledger.url,
      'email',
      asha.email,
      /(http\S+\/login\/link#token=[\w-]+)/,
      started,
    );
    await other.goto(link);
    // Asha's mobile is verified, so the link is the first factor and the SMS code the second.
    await other.getByRole('heading', { name: 'Enter the code we sent by SMS' }).waitFor();
    const code = await fromOutbox(
      ledger.url,
      'sms',
      asha.mobile,
      /(\d{6}) is your meterledger sign-in/,
      started,
    );
    await other.getByLabel('6-digit code').fill(code);
    await other.getByRole('button', { name: 'Verify and sign in' }).click();
    await other.getByRole('heading', { name: 'Hello, Asha Rao' }).waitFor();
    await fresh.close();
  });

  it('resets a forgotten password through the emailed link and signs in with the new one', async () => {
    const fresh = await browser.newContext({ locale: 'en-IN' });
    fresh.setDefaultTimeout(10_000);
    const other = await fresh.newPage();
    const started = Date.now();
    await other.goto(`${ledger.url}/login`);
    await other.getByRole('link', { name: 'Forgot your password?' }).click();
    await other.getByLabel('Email', { exact: true }).fill(asha.email);
    await other.getByRole('button', { name: 'Email me a reset link' }).click();
    await other.getByText(/a reset link is on its way/).waitFor();
    const link = await fromOutbox(
      ledger.url,
      'email',
      asha.email,
      /(http\S+\/password\/reset#token=[\w-]+)/,
      started,
    );
    await other.goto(link);
    await other.getByLabel('New password').fill('short');
    await other.getByRole('button', { name: 'Set new password' }).click();
    await other.getByText('Use 8 to 128 characters.').waitFor();
    await other.getByLabel('New password').fill('second-monsoon-ledger');
    await other.getByRole('button', { name: 'Set new password' }).click();
    await other.getByText('Your password is changed.').waitFor();
    asha.password = 'second-monsoon-ledger';

    await other.goto(`${ledger.url}/login`);
    const signInStarted = Date.now();
    await other.getByLabel('Username or email').fill(asha.email);
    await other.getByLabel('Password').fill(asha.password);
    await other.getByRole('button', { name: 'Sign in' }).click();
    const code = await fromOutbox(
      ledger.url,
      'sms',
      asha.mobile,
      /(\d{6}) is your meterledger sign-in/,
      signInStarted,
    );
    await other.getByLabel('6-digit code').fill(code);
    await other.getByRole('button', { name: 'Verify and sign in' }).click();
    await other.getByRole('heading', { name: 'Hello, Asha Rao' }).waitFor();
    await fresh.close();
  });
});
