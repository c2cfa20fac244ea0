// Set-up for the HTTP authentication tests: the account fixture (Postgres
// store of its own, vault, lookup key), Redis under a random key prefix
// (deleted afterwards), a real in-process SMTP server and a real HTTP SMS
// gateway that capture what is sent, the built app, and a small cookie-jar
// client that fetches and sends CSRF tokens like the SPA does.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { redisKeyValueStore, type KeyValueStore } from '../../src/auth/kv.ts';
import { createPasswordHasher } from '../../src/auth/password.ts';
import { createNotifier } from '../../src/notify/index.ts';
import type { RateLimits } from '../../src/web/security.ts';
import { buildApp, type AppOptions, type AuthOptions } from '../../src/web/app.ts';
import { createAccountsFixture, type AccountsFixture } from '../commands/accounts-fixture.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Captured {
  emails: { to: string; raw: string }[];
  sms: { to: string; text: string }[];
}

/** quoted-printable soft breaks and escapes, which nodemailer uses for long lines. */
const decodeQuotedPrintable = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

export async function startSmtp(
  captured: Captured,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        captured.emails.push({
          to,
          raw: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function startSmsGateway(
  captured: Captured,
  token: string,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.headers.authorization !== `Bearer ${token}`) {
        response.writeHead(401).end();
        return;
      }
      captured.sms.push(JSON.parse(body) as { to: string; text: string });
      response.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Redis under a random key prefix; close() also deletes every key left under it. */
export function prefixedRedis(): { kv: KeyValueStore & { redis: Redis }; close(): Promise<void> } {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const kv = redisKeyValueStore(REDIS_URL, prefix);
  return {
    kv,
    async close() {
      await kv.close();
      await deleteRedisKeys(prefix);
    },
  };
}

/** Deletes every key under `prefix`. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  // A plain client: ioredis applies keyPrefix to DEL but not to KEYS patterns.
  const raw = new Redis(REDIS_URL);
  const keys = await raw.keys(`${prefix}*`);
  if (keys.length > 0) await raw.del(...keys);
  await raw.quit();
}

/**
 * Auth options for an app under test: the accounts fixture's vault and lookup
 * key, a cheap password hasher, and global limits no test reaches by accident.
 */
export function testAuthOptions(
  accounts: AccountsFixture,
  kv: KeyValueStore & { redis: Redis },
  notifier: AuthOptions['notifier'],
  rateLimits: RateLimits = { global: 10_000, auth: 10_000 },
): AuthOptions {
  return {
    vault: accounts.vault,
    lookupKey: accounts.lookupKey,
    kv,
    redis: kv.redis,
    notifier,
    nodeEnv: 'test',
    publicUrl: 'http://127.0.0.1:3000',
    hasher: createPasswordHasher(12),
    rateLimits,
  };
}

export interface AuthHarness {
  app: FastifyInstance;
  accounts: AccountsFixture;
  kv: KeyValueStore;
  captured: Captured;
  /** Waits for the latest email to `to` and returns the link token in it. */
  tokenFor(to: string): Promise<string>;
  /** Waits for more than `after` SMS to a mobile and returns the code in the latest. */
  codeFor(mobile: string, after?: number): Promise<string>;
  emailsTo(to: string): string[];
  close(): Promise<void>;
}

/** The harness; `logging` sends the app's log lines somewhere other than nowhere. */
export async function createAuthHarness(
  logging: Pick<AppOptions, 'logLevel' | 'logStream'> = { logLevel: 'silent' },
): Promise<AuthHarness> {
  const accounts = await createAccountsFixture();
  const captured: Captured = { emails: [], sms: [] };
  const smtp = await startSmtp(captured);
  const smsToken = randomBytes(8).toString('hex');
  const gateway = await startSmsGateway(captured, smsToken);
  const redis = prefixedRedis();
  const notifier = createNotifier(
    { smtpUrl: smtp.url, smtpFrom: 'ledger <no-reply@example.in>', smsUrl: gateway.url, smsToken },
    redis.kv,
  );
  const app = await buildApp({
    store: accounts.store,
    ...logging,
    bodyLimit: 64 * 1024,
    auth: testAuthOptions(accounts, redis.kv, notifier),
  });
  await app.ready();
  const poll = async <T>(find: () => T | undefined, what: string): Promise<T> => {
    for (let i = 0; i < 200; i++) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`nothing captured: ${what}`);
  };
  const emailsTo = (to: string) => captured.emails.filter((e) => e.to === to).map((e) => e.raw);
  return {
    app,
    accounts,
    kv: redis.kv,
    captured,
    emailsTo,
    tokenFor: (to) =>
      poll(() => {
        const raw = emailsTo(to).at(-1);
        return raw ? /#token=([A-Za-z0-9_-]{43})/.exec(raw)?.[1] : undefined;
      }, `email to ${to}`),
    codeFor: (mobile, after = 0) =>
      poll(() => {
        const sent = captured.sms.filter((s) => s.to === mobile);
        return sent.length > after ? /\b(\d{6})\b/.exec(sent.at(-1)!.text)?.[1] : undefined;
      }, `sms to ${mobile}`),
    async close() {
      await app.close();
      await notifier.close();
      await redis.close();
      await smtp.close();
      await gateway.close();
      await accounts.close();
    },
  };
}

/** A browser: keeps cookies, fetches a CSRF token before state-changing requests. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: FastifyInstance,
    readonly ip = '203.0.113.10',
  ) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: LightMyRequestResponse) {
    for (const c of response.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      const expired =
        c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() < Date.now());
      if (expired || c.value === '') this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return response;
  }

  async get(url: string) {
    const response = await this.app.inject({
      method: 'GET',
      url,
      remoteAddress: this.ip,
      headers: { cookie: this.cookieHeader() },
    });
    return this.remember(response);
  }

  async csrf(): Promise<string> {
    return ((await this.get('/api/csrf')).json() as { token: string }).token;
  }

  async post(url: string, body?: object, headers: Record<string, string> = {}) {
    const token = await this.csrf();
    const response = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      headers: { cookie: this.cookieHeader(), 'x-csrf-token': token, ...headers },
      ...(body === undefined ? {} : { payload: body }),
    });
    return this.remember(response);
  }

  session(): string | undefined {
    return this.cookies.get('ml_session');
  }
}

let counter = 0;
/** A sign-up body with a unique username and email. */
export function signupBody(overrides: Record<string, unknown> = {}) {
  counter++;
  const tag = `${counter}${randomBytes(3).toString('hex')}`;
  return {
    name: 'Asha Kumari',
    username: `asha${tag}`,
    email: `asha${tag}@example.in`,
    mobile: `98765${String(10000 + counter).slice(-5)}`,
    password: 'Monsoon-Meter-42',
    consent: true as const,
    ...overrides,
  };
}
