// Set-up for the resource-route tests: a Postgres store of its own with the
// read models running on it, Redis under a random prefix, the TEST payment
// provider, and the full app. Accounts are registered through the accounts
// service; signing in creates a session directly (the auth flows have their
// own tests), and a Browser from the auth fixture carries cookies and CSRF.

import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { runAudit } from '../../src/audit/run-audit.ts';
import { registerAccount } from '../../src/commands/accounts.ts';
import {
  billMeter,
  recordMeterAnswer,
  requestMeterRead,
  storeBillingPorts,
} from '../../src/commands/billing.ts';
import { handleCommand } from '../../src/commands/handle-command.ts';
import { publishTariffVersion } from '../../src/commands/tariffs.ts';
import { BOOTSTRAP_ACTOR, type Role } from '../../src/domain/account/index.ts';
import { meterDecider, meterStream } from '../../src/domain/meter/index.ts';
import { createNotifier } from '../../src/notify/index.ts';
import { createTestPaymentProvider } from '../../src/payments/test-provider.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import { buildApp } from '../../src/web/app.ts';
import { createAccountsFixture, type AccountsFixture } from '../commands/accounts-fixture.ts';
import { reading as readingData } from '../domain/meter/fixtures.ts';
import { KEY_A, KEY_B } from '../commands/properties-support.ts';
import { RESIDENTIAL_TARIFF } from '../support/residential-tariff.ts';
import { Browser, prefixedRedis, testAuthOptions } from './auth-fixture.ts';

export { KEY_A, KEY_B };
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface RoutesHarness {
  app: FastifyInstance;
  accounts: AccountsFixture;
  projections: RunningProjections;
  /** Registers an account with a role (and a unique username/mobile). */
  register(role: Role): Promise<{ accountId: string; username: string; mobile: string }>;
  /** A browser signed in as the account. */
  signIn(accountId: string, roles: Role[]): Promise<Browser>;
  /** A signed-in customer with a fresh account. */
  customer(): Promise<{ browser: Browser; accountId: string; username: string; mobile: string }>;
  /** Writes a reading as the gateway would (signature is not checked by the decider). */
  reading(meterId: string, seq: number, registerWh: number, readAt: string): Promise<void>;
  /** Answers and bills one meter of a started run with a closing reading. */
  bill(runId: string, meterId: string, registerWh: number, readAt: string): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

export async function createRoutesHarness(): Promise<RoutesHarness> {
  const accounts = await createAccountsFixture();
  const { store } = accounts;
  const readDb = accounts.testStore.db;
  const projections = await startProjections({ store, readDb });
  const redis = prefixedRedis();
  const { kv } = redis;
  const notifier = createNotifier(
    { smtpUrl: undefined, smtpFrom: 'x <x@example.in>', smsUrl: undefined, smsToken: undefined },
    kv,
  );
  const publicUrl = 'http://127.0.0.1:3000';
  const payments = createTestPaymentProvider({ kv, publicUrl, webhookSecret: WEBHOOK_SECRET });
  const app = await buildApp({
    store,
    logLevel: 'silent',
    bodyLimit: 64 * 1024,
    auth: testAuthOptions(accounts, kv, notifier, { global: 100_000, auth: 10_000 }),
    api: {
      readDb,
      waitFor: projections.waitFor,
      payments: [payments],
      livePollMs: 100,
      runAudit: (options) => runAudit({ store, db: readDb }, options),
      auditWorker: { databaseUrl: accounts.testStore.database.url },
    },
  });
  await app.ready();
  const system = { now: new Date().toISOString(), actor: 'system:gateway' };
  const billing = { store, ports: storeBillingPorts(store) };

  const h: RoutesHarness = {
    app,
    accounts,
    projections,
    async register(role) {
      counter++;
      const username = `user${counter}${randomBytes(3).toString('hex')}`;
      const mobile = `9${String(100_000_000 + counter * 7919 + Math.floor(Math.random() * 1e6)).slice(-9)}`;
      const { accountId } = await registerAccount(
        accounts,
        {
          accountId: randomUUID(),
          role,
          username,
          name: `Person ${counter}`,
          email: `${username}@example.in`,
          mobile,
          consentGivenAt: new Date().toISOString(),
        },
        { now: new Date().toISOString(), commandId: randomUUID(), actor: BOOTSTRAP_ACTOR },
      );
      return { accountId, username, mobile };
    },
    async signIn(accountId, roles) {
      const session = await app.sessions.create({ accountId, roles, stage: 'full' });
      const browser = new Browser(app);
      browser.cookies.set('ml_session', session.id);
      return browser;
    },
    async customer() {
      const account = await h.register('customer');
      return { ...account, browser: await h.signIn(account.accountId, ['customer']) };
    },
    async reading(meterId, seq, registerWh, readAt) {
      const { position } = await handleCommand(store, meterStream(meterId), meterDecider, {
        type: 'RecordReading',
        data: readingData(seq, registerWh, readAt),
        metadata: { ...system, commandId: randomUUID() },
      });
      if (position) await projections.waitFor(position, { projections: ['readings'] });
    },
    async bill(runId, meterId, registerWh, readAt) {
      await requestMeterRead(billing, { runId, meterId }, { ...system, commandId: randomUUID() });
      const seq = (await store.readStream(meterStream(meterId))).filter(
        (e) => e.type === 'ReadingRecorded',
      ).length;
      await h.reading(meterId, seq + 1, registerWh, readAt);
      const stored = (await store.readStream(meterStream(meterId))).at(-1)!;
      await recordMeterAnswer(
        billing,
        { runId, meterId, readingEventId: stored.id, readingRevision: stored.revision },
        { ...system, commandId: randomUUID() },
      );
      const result = await billMeter(
        billing,
        { runId, meterId },
        { ...system, commandId: randomUUID() },
      );
      if (result.outcome !== 'billed') throw new Error(`not billed: ${result.reason}`);
      // billMeter also writes the receivable's charge and the run's progress: wait for all of them.
      for (const stream of [`receivable-${result.bill.propertyId}`, `billrun-${runId}`]) {
        const last = (await store.readStream(stream)).at(-1);
        if (last) await projections.waitFor(last.position);
      }
    },
    async close() {
      await app.close();
      await projections.stop();
      await notifier.close();
      await redis.close();
      await accounts.close();
    },
  };
  return h;
}

/** Publishes the residential tariff as a superuser. */
export async function publishTariff(h: RoutesHarness, superuser: string): Promise<void> {
  await publishTariffVersion(
    h.accounts,
    { kind: 'residential', terms: RESIDENTIAL_TARIFF },
    { now: new Date().toISOString(), commandId: randomUUID(), actor: superuser },
  );
}

export const ADDRESS = {
  houseNo: '12B',
  building: 'Lotus Court',
  street: 'FC Road',
  city: 'Pune',
  state: 'MH',
  pincode: '411001',
};
