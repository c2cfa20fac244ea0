// What the browser tests share: a real server on a random port (embedded
// PGlite in a temp dir, in-memory key-value store, dev outbox; the same pieces
// `ledger serve` opens) serving the built UI; headless Debian Chromium driven
// by playwright-core; the dev outbox read for codes and links; screenshots.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig, loadWebConfig } from '../../src/config.ts';
import { openEventStore, type OpenedEventStore } from '../../src/eventstore/open.ts';
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
  const close = async () => {
    await app?.close();
    await deps?.close();
    await opened?.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    opened = await openEventStore({ dataDir: join(dataDir, 'pglite') });
    deps = await openAuthDeps(config, web, opened.db);
    app = await buildApp({ store: opened.store, logLevel: 'warn', auth: deps.auth });
    const url = await app.listen({ port, host: '127.0.0.1' });
    return { url, app, close };
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
