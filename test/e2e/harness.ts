// What the browser tests share: a real server on a random port (embedded
// PGlite in a temp dir for events and read models, the projections running,
// in-memory key-value store, dev outbox, the TEST payment provider: the same
// pieces `ledger serve` opens) serving the built UI; headless Debian Chromium driven
// by playwright-core; the dev outbox read for codes and links; screenshots.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runAudit } from '../../src/audit/run-audit.ts';
import { loadConfig, loadWebConfig } from '../../src/config.ts';
import { openEventStore, type OpenedEventStore } from '../../src/eventstore/open.ts';
import { createTestPaymentProvider } from '../../src/payments/test-provider.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import { buildApp } from '../../src/web/app.ts';
import { openAuthDeps, type OpenedAuthDeps } from '../../src/web/deps.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');
const ROOT = join(import.meta.dirname, '..', '..');

/** Builds the UI once if there is no build or it is stale (the same check `npm start` makes). */
export function ensureUiBuild(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'ui', 'ensure-build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('UI build failed');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Ledger {
  url: string;
  app: FastifyInstance;
  opened: OpenedEventStore;
  deps: OpenedAuthDeps;
  close(): Promise<void>;
}

export async function startLedger(): Promise<Ledger> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-e2e-'));
  const port = await freePort();
  const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const config = loadConfig({ ...env, NODE_ENV: 'test' });
  const web = loadWebConfig({ PUBLIC_URL: `http://127.0.0.1:${port}` });
  let opened: OpenedEventStore | null = null;
  let deps: OpenedAuthDeps | null = null;
  let app: FastifyInstance | null = null;
  let projections: RunningProjections | null = null;
  const close = async () => {
    await app?.close();
    await projections?.stop();
    await deps?.close();
    await opened?.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    opened = await openEventStore({ dataDir: join(dataDir, 'pglite') });
    deps = await openAuthDeps(config, web, opened.db);
    projections = await startProjections({ store: opened.store, readDb: opened.db });
    const payments = createTestPaymentProvider({
      kv: deps.auth.kv,
      publicUrl: deps.auth.publicUrl,
      webhookSecret: 'e2e-webhook-secret-0123456789',
    });
    app = await buildApp({
      store: opened.store,
      logLevel: 'warn',
      auth: deps.auth,
      api: {
        readDb: opened.db,
        waitFor: projections.waitFor,
        payments: [payments],
        runAudit: (options) => runAudit({ store: opened!.store, db: opened!.db }, options),
      },
    });
    const url = await app.listen({ port, host: '127.0.0.1' });
    return { url, app, opened, deps, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

interface OutboxEntry {
  channel: 'email' | 'sms';
  to: string;
  text: string;
}

/** Waits for the newest outbox entry to `to` on `channel` matching `pattern`; returns the match. */
export async function fromOutbox(
  baseUrl: string,
  channel: 'email' | 'sms',
  to: string,
  pattern: RegExp,
  notBefore = 0,
): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const response = await fetch(`${baseUrl}/api/dev/outbox?limit=200`);
    const { entries } = (await response.json()) as { entries: (OutboxEntry & { at: string })[] };
    const hit = entries.find(
      (e) =>
        e.channel === channel &&
        e.to === to &&
        Date.parse(e.at) >= notBefore &&
        pattern.test(e.text),
    );
    if (hit) return pattern.exec(hit.text)![1] ?? pattern.exec(hit.text)![0];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing in the outbox for ${to} matching ${pattern}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export interface Person {
  name: string;
  username: string;
  email: string;
  mobile: string;
  password: string;
}

/** Signs up through the UI and verifies the mobile with the SMS code from the outbox. */
export async function signUp(page: Page, baseUrl: string, who: Person): Promise<void> {
  const started = Date.now();
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Full name').fill(who.name);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Mobile number (10 digits)').fill(who.mobile);
  await page.getByLabel('Password').fill(who.password);
  await page.getByLabel(/I agree/).check();
  await page.getByRole('button', { name: 'Create account' }).click();
  const code = await fromOutbox(baseUrl, 'sms', who.mobile, /(\d{6}) is your/, started);
  await page.getByLabel('Code from the SMS').fill(code);
  await page.getByRole('button', { name: 'Verify mobile' }).click();
  await page.getByText('Your mobile number is verified.').waitFor();
}

/** Signs in through the UI with password and the SMS code. */
export async function signIn(page: Page, baseUrl: string, who: Person): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  const started = Date.now();
  await page.getByLabel('Username or email').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const code = await fromOutbox(
    baseUrl,
    'sms',
    who.mobile,
    /(\d{6}) is your meterledger sign-in/,
    started,
  );
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.waitForURL(/\/portal$/);
}
