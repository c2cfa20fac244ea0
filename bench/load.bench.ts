// Mixed load (`npm run bench:load`, issue #8): LOAD_METERS simulated meters
// (default 5,000) send signed readings over real WebSockets to a gateway
// while LOAD_USERS portal users (default 200) browse and pay, on one fresh
// Postgres database with sessions and rate limits in Redis. This process runs
// what `ledger serve` runs (web app, gateway, read-model runners); the meters
// and the users are two more processes. Each user owns an approved property
// whose meter is one of the fleet's, with one bill issued through a bill run,
// and pays it once in the window through the built-in test payment provider.
// LOAD_GATEWAY_PROCESS=1 runs the gateway in a process of its own, as
// docker-compose.yml deploys it, instead of in the web app's process.
// Progress on stderr; the last stdout line is JSON.

import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  billMeter,
  recordMeterAnswer,
  requestMeterRead,
  startBillRun,
  storeBillingPorts,
} from '../src/commands/billing.ts';
import { handleCommand } from '../src/commands/handle-command.ts';
import { registerGateway, registerMeter } from '../src/commands/inventory.ts';
import { addProperty, approveProperty } from '../src/commands/properties.ts';
import { publishTariffVersion } from '../src/commands/tariffs.ts';
import { postgresDatabase } from '../src/db/postgres.ts';
import { meterDecider, meterStream } from '../src/domain/meter/index.ts';
import type { TariffVersion } from '../src/domain/tariff/index.ts';
import { openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { runGateway, type RunningGateway } from '../src/iot/gateway/run-gateway.ts';
import {
  benchGatewayKey,
  BenchChild,
  fleetRole,
  publicKeyHex,
  registerBulkMeters,
  benchMeterKey,
  type FleetMeterPlan,
  type FleetPlan,
  type FleetReport,
} from './support/fleet.ts';
import { log, meta, openBenchLedger, startBenchWeb, type BenchLedger } from './support/ledger.ts';
import { startProfile } from './support/profile.ts';
import { RESIDENTIAL_TARIFF } from '../test/support/residential-tariff.ts';
import { requestLogCollector, startServerTrace } from './support/server-trace.ts';
import {
  usersRole,
  type PortalUser,
  type UsersPlan,
  type UsersReport,
} from './support/portal-users.ts';

const METERS = Number(process.env.LOAD_METERS ?? 5000);
const USERS = Number(process.env.LOAD_USERS ?? 200);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
/** Readings per meter per second (default one every 5 s: 1,000 readings/s from 5,000 meters). */
const METER_RATE = Number(process.env.LOAD_METER_RATE ?? 0.2);
/** Mean pause between one user's pages (ms). */
const THINK_MS = Number(process.env.LOAD_THINK_MS ?? 500);
/** Each meter's first connection waits a random 0..this (ms): spreads the handshakes. */
const CONNECT_JITTER_MS = Number(process.env.LOAD_CONNECT_JITTER_MS ?? 5000);
/** LOAD_API_POOL=<n>: the API reads through a pool of n connections of its own, not the store's. */
const API_POOL = Number(process.env.LOAD_API_POOL ?? 0);
/** LOAD_GATEWAY_PROCESS=1: the gateway runs in a child process with its own store connections. */
const GATEWAY_PROCESS = process.env.LOAD_GATEWAY_PROCESS === '1';
/** LOAD_TRACE=1: the server's own latency per route, from its request log lines (stderr). */
const TRACE_ROUTES = process.env.LOAD_TRACE === '1';
const LABEL = 'load';
const AREA = { state: 'MH', city: 'Pune', pincode: '411001' };
const CLOSING_WH = 120_000;

/** The test worlds' residential tariff, in force from before the bench's billing period. */
const TARIFF: TariffVersion = { ...RESIDENTIAL_TARIFF, effectiveFrom: '2025-01-01' };

interface Customer {
  accountId: string;
  propertyId: string;
  meterId: string;
  billId: string;
}

/** Writes a reading as the gateway would (the decider does not check signatures). */
async function reading(ledger: BenchLedger, meterId: string, seq: number, wh: number, at: Date) {
  const readAt = at.toISOString();
  await handleCommand(ledger.store, meterStream(meterId), meterDecider, {
    type: 'RecordReading',
    data: {
      ...{ seq, registerWh: wh, readAt, signature: 'ab'.repeat(64) },
      ...{ runId: null, requestId: null, receivedAt: readAt },
    },
    metadata: meta('system:gateway'),
  });
  return (await ledger.store.readStream(meterStream(meterId))).at(-1)!;
}

/** Customers with an approved, metered property and one bill each; the rest of the fleet in bulk. */
async function seed(ledger: BenchLedger, gatewayId: string): Promise<Customer[]> {
  const { accounts, store } = ledger;
  const superuser = await ledger.register('superuser', 0);
  const admin = await ledger.register('admin', 0);
  await publishTariffVersion(accounts, { kind: 'residential', terms: TARIFF }, meta(superuser));
  const publicKey = publicKeyHex(benchGatewayKey(LABEL));
  await registerGateway(accounts, { gatewayId, name: 'Pune', ...AREA, publicKey }, meta(admin));
  const now = Date.now();
  const customers: Customer[] = [];
  for (let n = 0; n < USERS; n++) {
    const accountId = await ledger.register('customer', n + 1);
    const propertyId = randomUUID();
    const meterId = randomUUID();
    const address = { houseNo: `${n}`, building: 'Lotus Court', street: 'FC Road', ...AREA };
    await addProperty(
      accounts,
      { propertyId, ownerId: accountId, kind: 'residential', address },
      meta(accountId),
    );
    const meterKey = publicKeyHex(benchMeterKey(LABEL, n));
    await registerMeter(
      accounts,
      { meterId, serial: `LOAD-${n}`, publicKey: meterKey, kind: 'single-phase' },
      meta(admin),
    );
    await approveProperty(accounts, { propertyId, gatewayId, meterId }, meta(admin));
    await reading(ledger, meterId, 1, 0, new Date(now - 3 * 3600_000));
    customers.push({ accountId, propertyId, meterId, billId: '' });
    if ((n + 1) % 50 === 0) log(`seeded ${n + 1}/${USERS} customers`);
  }
  // One bill each, the way a bill run makes it: read request, answer, bill.
  const billing = { store, ports: storeBillingPorts(store) };
  const runId = randomUUID();
  await startBillRun(
    billing,
    {
      runId,
      period: new Date(now).toISOString().slice(0, 7),
      deadline: new Date(now + 3600_000).toISOString(),
      meters: customers.map(({ meterId, propertyId }) => ({ meterId, propertyId })),
    },
    meta(admin),
  );
  for (const c of customers) {
    await requestMeterRead(billing, { runId, meterId: c.meterId }, meta('system:gateway'));
    const closing = await reading(ledger, c.meterId, 2, CLOSING_WH, new Date(now - 3600_000));
    await recordMeterAnswer(
      billing,
      { runId, meterId: c.meterId, readingEventId: closing.id, readingRevision: closing.revision },
      meta('system:gateway'),
    );
    const billed = await billMeter(billing, { runId, meterId: c.meterId }, meta('system:gateway'));
    if (billed.outcome !== 'billed') throw new Error(`not billed: ${billed.reason}`);
    c.billId = billed.bill.billId;
  }
  log(`billed ${customers.length} customers; registering ${METERS - USERS} more meters`);
  await registerBulkMeters(
    store,
    Array.from({ length: Math.max(0, METERS - USERS) }, (_, k) => ({
      meterId: `load-${USERS + k}`,
      publicKey: publicKeyHex(benchMeterKey(LABEL, USERS + k)),
      propertyId: `load-property-${USERS + k}`,
      gatewayId,
    })),
  );
  return customers;
}

async function main(): Promise<void> {
  log(`seeding ${USERS} customers with a bill each and ${METERS} meters`);
  const ledger = await openBenchLedger('bench_load', 20);
  const script = fileURLToPath(import.meta.url);
  const children: BenchChild<unknown>[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const gatewayId = randomUUID();
    const customers = await seed(ledger, gatewayId);
    const apiDb = API_POOL > 0 ? postgresDatabase(ledger.url, API_POOL) : undefined;
    if (apiDb) closers.push(() => apiDb.close());
    const requestLog = TRACE_ROUTES ? requestLogCollector() : null;
    const web = await startBenchWeb(ledger, {
      ...(requestLog ? { logStream: requestLog.logStream } : {}),
      // One users process is one client address: the per-address limit would measure itself.
      rateLimits: { global: 100_000_000, auth: 30 },
      testPayments: true,
      ...(apiDb ? { apiDb } : {}),
    });
    const gateway = GATEWAY_PROCESS
      ? await gatewayChild(script, ledger.url, gatewayId, children)
      : await inProcessGateway(ledger, gatewayId);
    try {
      const users: PortalUser[] = [];
      for (const c of customers) users.push({ cookie: await web.signIn(c.accountId), ...c });
      const meters: FleetMeterPlan[] = Array.from({ length: METERS }, (_, i) =>
        i < USERS
          ? { meterId: customers[i]!.meterId, keyIndex: i, lastSeq: 2, startWh: CLOSING_WH }
          : { meterId: `load-${i}`, keyIndex: i, lastSeq: 0, startWh: 1000 * i },
      );
      const fleet = new BenchChild<FleetReport>(script, '--fleet');
      const people = new BenchChild<UsersReport>(script, '--users');
      children.push(fleet, people);
      const fleetPlan: FleetPlan = {
        ...{ url: gateway.url, label: LABEL, meters, rate: METER_RATE, seconds: SECONDS },
        connectJitterMs: CONNECT_JITTER_MS,
      };
      fleet.send(fleetPlan);
      log(`gateway ${gateway.url}: connecting ${METERS} meters`);
      await fleet.next('ready');
      log(
        `${METERS} meters connected (${GATEWAY_PROCESS ? 'own' : 'web'} process); ${SECONDS} s of ` +
          `${METER_RATE} readings/s per meter and ${USERS} users (mean think ${THINK_MS} ms) on ${web.url}`,
      );
      const usersPlan: UsersPlan = { url: web.url, users, seconds: SECONDS, thinkMs: THINK_MS };
      const stopProfile = await startProfile(log);
      const trace = startServerTrace(ledger.db);
      requestLog?.start();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      fleet.send({ type: 'go' });
      people.send(usersPlan);
      const [fleetDone, usersDone] = await Promise.all([
        fleet.next('report'),
        people.next('report'),
      ]);
      const cpu = process.cpuUsage(cpu0);
      // This process (web app, gateway, read models) in % of one core over the window.
      const serverCpuPct = Math.round(
        ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100,
      );
      const server = trace.stop();
      const serverRoutes = requestLog?.stop();
      await stopProfile();
      const meterReport = fleetDone.report!;
      const userReport = usersDone.report!;
      const load1 = Number(loadavg()[0]!.toFixed(1));
      const {
        rows: [stored],
      } = await ledger.db.query<{ payments: number }>(
        `SELECT count(*)::integer AS payments FROM events WHERE type = 'PaymentReceived'`,
      );
      if (userReport.errorSamples.length > 0)
        log(`API errors (first kinds): ${userReport.errorSamples.join('; ')}`);
      log(`meters: ${JSON.stringify(meterReport)}`);
      const { routes: userRoutes, ...userTotals } = userReport;
      log(`users: ${JSON.stringify(userTotals)}`);
      log(`server: ${JSON.stringify(server)}`);
      for (const [route, client] of Object.entries(userRoutes))
        log(`  client ${route}: ${JSON.stringify(client)}`);
      for (const [route, seen] of Object.entries(serverRoutes ?? {}))
        log(`  server ${route}: ${JSON.stringify(seen)}`);
      process.stdout.write(
        JSON.stringify({
          meters: METERS,
          readingsPerSec: Math.round(meterReport.acked / meterReport.seconds),
          offeredReadingsPerSec: Math.round(METERS * METER_RATE),
          p99AckMs: meterReport.p99AckMs,
          rejectedReadings: meterReport.rejected,
          metersConnectedAtEnd: meterReport.connected,
          users: USERS,
          apiReqPerSec: Math.round(userReport.requests / userReport.seconds),
          apiP50Ms: userReport.p50Ms,
          apiP99Ms: userReport.p99Ms,
          browseP99Ms: userReport.browseP99Ms,
          payP99Ms: userReport.payP99Ms,
          apiErrors: userReport.errors,
          paymentsCompleted: userReport.paymentsCompleted,
          paymentsStored: stored?.payments ?? 0,
          serverCpuPct,
          usersLoopDelayMaxMs: userReport.usersLoopDelayMs.max,
          eventLoopDelayP99Ms: server.eventLoopDelayMs.p99,
          eventLoopDelayMaxMs: server.eventLoopDelayMs.max,
          dbStatementsPerSec: server.dbStatementsPerSec,
          poolWaitingPct: server.pool.waitingPct,
          poolMaxWaiting: server.pool.maxWaiting,
          apiPool: API_POOL > 0 ? API_POOL : 'shared (20)',
          gatewayProcess: GATEWAY_PROCESS ? 'own' : 'web',
          seconds: SECONDS,
          loadAvg1: load1,
        }) + '\n',
      );
    } finally {
      await gateway.close();
      await web.close();
    }
  } finally {
    for (const child of children) child.kill();
    for (const close of closers) await close();
    await ledger.close();
  }
}

interface BenchGateway {
  url: string;
  close(): Promise<void>;
}

async function inProcessGateway(ledger: BenchLedger, gatewayId: string): Promise<BenchGateway> {
  const gateway: RunningGateway = await runGateway(
    { gatewayId, gatewayPrivateKey: benchGatewayKey(LABEL), billRuns: false },
    { store: ledger.store },
  );
  if (!gateway.url) throw new Error('the gateway is not listening');
  return { url: gateway.url, close: () => gateway.close() };
}

/** The gateway in a child process (`--gateway`), as `ledger gateway` runs beside `ledger serve`. */
async function gatewayChild(
  script: string,
  databaseUrl: string,
  gatewayId: string,
  children: BenchChild<unknown>[],
): Promise<BenchGateway> {
  const child = new BenchChild<{ url: string }>(script, '--gateway');
  children.push(child as BenchChild<unknown>);
  child.send({ databaseUrl, gatewayId });
  const { report } = await child.next('ready');
  return {
    url: report!.url,
    close: async () => {
      child.send({ type: 'stop' });
      await child.next('stopped');
    },
  };
}

async function gatewayRole(): Promise<void> {
  const plan = await new Promise<{ databaseUrl: string; gatewayId: string }>((resolve) =>
    process.once('message', resolve),
  );
  const db = postgresDatabase(plan.databaseUrl, 10);
  const gateway = await runGateway(
    { gatewayId: plan.gatewayId, gatewayPrivateKey: benchGatewayKey(LABEL), billRuns: false },
    { store: openPostgresEventStore(db) },
  );
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'stop') return;
    void gateway
      .close()
      .then(() => db.close())
      .finally(() => process.send!({ type: 'stopped' }, () => process.exit(0)));
  });
  process.send!({ type: 'ready', report: { url: gateway.url } });
}

const role = process.argv[2];
const roles: Record<string, () => Promise<void>> = {
  '--fleet': fleetRole,
  '--users': usersRole,
  '--gateway': gatewayRole,
};
const run = (role && roles[role]) || main;
run().catch((error: unknown) => {
  log(`bench:load ${role ?? ''} failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
