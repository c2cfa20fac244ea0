// What the benchmarks that run the whole ledger share: a fresh Postgres
// database holding the event store and the personal-data vault, command
// metadata, and the web app as `ledger serve` builds it (sessions and rate
// limits in Redis, the read models' runners live, logging at the default
// level into /dev/null). Each `close` undoes its own part: the app and its
// Redis keys, then the store and the database.

import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { redisKeyValueStore } from '../../src/auth/kv.ts';
import type { RateLimits } from '../../src/web/security.ts';
import { registerAccount } from '../../src/commands/accounts.ts';
import type { LogLevel } from '../../src/config.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { BOOTSTRAP_ACTOR, type Role } from '../../src/domain/account/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { migrate, openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import { createNotifier } from '../../src/notify/index.ts';
import { createTestPaymentProvider } from '../../src/payments/test-provider.ts';
import { openAesVault } from '../../src/privacy/aes-vault.ts';
import { migratePrivacy } from '../../src/privacy/migrate.ts';
import type { PersonalDataVault } from '../../src/privacy/vault.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import { buildApp } from '../../src/web/app.ts';
import { createTestDatabase } from '../../test/support/postgres.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const log = (message: string) => process.stderr.write(`${message}\n`);

export const meta = (actor: string): CommandMetadata => ({
  now: new Date().toISOString(),
  commandId: randomUUID(),
  actor,
});

export interface BenchLedger {
  /** The database's connection string, for a second pool. */
  url: string;
  db: SqlDatabase;
  store: EventStore;
  vault: PersonalDataVault;
  /** What the command services take: store, vault and the lookup key. */
  accounts: { store: EventStore; vault: PersonalDataVault; lookupKey: Uint8Array };
  /** Registers an account with verified contact details; n makes the username and mobile unique. */
  register(role: Role, n: number): Promise<string>;
  close(): Promise<void>;
}

export async function openBenchLedger(name: string, poolSize = 10): Promise<BenchLedger> {
  const database = await createTestDatabase(name);
  const db = postgresDatabase(database.url, poolSize);
  await migrate(db);
  await migratePrivacy(db);
  const store = openPostgresEventStore(db);
  const vault = await openAesVault({ db, masterKey: randomBytes(32) });
  const accounts = { store, vault, lookupKey: randomBytes(32) };
  return {
    url: database.url,
    db,
    store,
    vault,
    accounts,
    async register(role, n) {
      const accountId = randomUUID();
      await registerAccount(
        accounts,
        {
          ...{ accountId, role, username: `bench${n}${role}`, name: `Customer ${n}` },
          ...{ email: `bench${n}${role}@example.in`, mobile: `9${String(n).padStart(9, '0')}` },
          consentGivenAt: new Date().toISOString(),
        },
        meta(BOOTSTRAP_ACTOR),
      );
      return accountId;
    },
    async close() {
      await vault.close();
      await store.close();
      await db.close();
      await database.drop();
    },
  };
}

export const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

export interface BenchWeb {
  app: FastifyInstance;
  projections: RunningProjections;
  /** A full customer session's cookie, made the way a completed login makes it. */
  signIn(accountId: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The read models (caught up) and the web app over `ledger`, listening on
 * 127.0.0.1. With `testPayments`, checkouts go to the built-in test provider.
 */
export async function startBenchWeb(
  ledger: BenchLedger,
  options: {
    rateLimits: RateLimits;
    testPayments?: boolean;
    publicUrl?: string;
    /** A pool of the API's own for its reads; by default it shares the store's, as `ledger serve` does. */
    apiDb?: SqlDatabase;
    /** Where the app's log lines go (default /dev/null). */
    logStream?: { write(line: string): void };
  },
): Promise<BenchWeb & { url: string }> {
  const { store, db, vault, accounts } = ledger;
  const projections = await startProjections({ store, readDb: db });
  await projections.caughtUp;
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  const kv = redisKeyValueStore(REDIS_URL, prefix);
  // BENCH_AUTOPIPELINING=1 turns the client's auto-pipelining on, to compare (it cost
  // throughput and p99 in two back-to-back pairs of runs, so the app leaves it off).
  if (process.env.BENCH_AUTOPIPELINING === '1') kv.redis.options.enableAutoPipelining = true;
  const notifier = createNotifier(
    { smtpUrl: undefined, smtpFrom: 'x <x@example.in>', smsUrl: undefined, smsToken: undefined },
    kv,
  );
  const publicUrl = options.publicUrl ?? 'http://127.0.0.1';
  const payments = options.testPayments
    ? [createTestPaymentProvider({ kv, publicUrl, webhookSecret: WEBHOOK_SECRET })]
    : [];
  const app = await buildApp({
    store,
    // `ledger serve`'s default level: a line per request, written to /dev/null.
    logLevel: (process.env.BENCH_LOG_LEVEL ?? 'info') as LogLevel,
    logStream: options.logStream ?? pino.destination('/dev/null'),
    auth: {
      ...{ vault, lookupKey: accounts.lookupKey, kv, redis: kv.redis, notifier },
      nodeEnv: 'test',
      publicUrl,
      rateLimits: options.rateLimits,
    },
    api: { readDb: options.apiDb ?? db, waitFor: projections.waitFor, payments },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    projections,
    async signIn(accountId) {
      const session = await app.sessions.create({ accountId, roles: ['customer'], stage: 'full' });
      return `ml_session=${session.id}`;
    },
    async close() {
      await app.close();
      await projections.stop();
      await notifier.close();
      await kv.close();
      const raw = new Redis(REDIS_URL);
      const keys = await raw.keys(`${prefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      await raw.quit();
    },
  };
}
