// API benchmark (`npm run bench:api`): the full web app (sessions and rate
// limits in Redis, read models on Postgres with their runners live) on a
// fresh Postgres database, seeded with BENCH_CUSTOMERS customers, each with an
// approved property, a metered history and a ticket. A SECOND process
// (autocannon) then loads it with a mix of portal reads as signed-in
// customers: an unreported warm-up, then a fixed BENCH_RATE requests/s for
// BENCH_SECONDS, then flat out for the same time. The server logs at `ledger
// serve`'s default level (info: a line per request) into /dev/null
// (BENCH_LOG_LEVEL changes it). Progress on stderr; the last stdout line is
// JSON: reqPerSec, p50Ms, p99Ms, errors (fixed-rate phase), max* (flat out),
// serverCpuMsPerReq, the server process's CPU per request over all phases,
// which a shared machine disturbs less than latency, and dbStatementsPerReq,
// the database round trips per request, which it does not disturb at all.

import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { handleCommand } from '../src/commands/handle-command.ts';
import { registerGateway, registerMeter } from '../src/commands/inventory.ts';
import { addProperty, approveProperty } from '../src/commands/properties.ts';
import { openTicket } from '../src/commands/tickets.ts';
import { meterDecider, meterStream } from '../src/domain/meter/index.ts';
import { log, meta, openBenchLedger, startBenchWeb } from './support/ledger.ts';
import { startProfile } from './support/profile.ts';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 200);
const READINGS = Number(process.env.BENCH_READINGS ?? 48);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const KEY_A = '031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f';
const KEY_B = '024d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766';

interface Target {
  cookie: string;
  propertyId: string;
}
interface LoadPlan {
  url: string;
  targets: Target[];
  rate: number;
  seconds: number;
  connections: number;
}
interface Phase {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  requests: number;
}

const ALL_PATHS = [
  () => `/api/properties`,
  (t: Target) => `/api/properties/${t.propertyId}`,
  (t: Target) => `/api/properties/${t.propertyId}/consumption?granularity=daily`,
  (t: Target) => `/api/properties/${t.propertyId}/readings?limit=50`,
  (t: Target) => `/api/properties/${t.propertyId}/balance`,
  (t: Target) => `/api/properties/${t.propertyId}/bills`,
  () => `/api/tickets`,
  () => `/api/auth/me`,
];
// BENCH_ONLY=3 loads one route of the mix alone (to see what each costs).
const PATHS = process.env.BENCH_ONLY ? [ALL_PATHS[Number(process.env.BENCH_ONLY)]!] : ALL_PATHS;

/** The load generator: runs in the child process. */
type LoadResult = { warmupRequests: number; fixed: Phase; max: Phase };

async function load(plan: LoadPlan): Promise<LoadResult> {
  const run = (rate: number | undefined, seconds = plan.seconds) =>
    new Promise<Phase>((resolve, reject) => {
      autocannon(
        {
          url: plan.url,
          connections: plan.connections,
          duration: seconds,
          ...(rate ? { overallRate: rate } : {}),
          requests: [
            {
              setupRequest: (request) => {
                const target = plan.targets[Math.floor(Math.random() * plan.targets.length)]!;
                const path = PATHS[Math.floor(Math.random() * PATHS.length)]!(target);
                return { ...request, method: 'GET', path, headers: { cookie: target.cookie } };
              },
            },
          ],
        },
        (error, result) => {
          if (error) return reject(error);
          resolve({
            reqPerSec: Math.round(result.requests.average),
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
            errors: result.errors + result.timeouts + result.non2xx,
            requests: result.requests.total,
          });
        },
      );
    });
  // Unreported warm-up: JIT, connection pools and Postgres caches, so the first phase is not penalised.
  const warmup = await run(undefined, WARMUP_SECONDS);
  return {
    warmupRequests: warmup.requests,
    fixed: await run(plan.rate),
    max: await run(undefined),
  };
}

async function seed() {
  const ledger = await openBenchLedger('bench_api', 10);
  const { store, accounts } = ledger;
  const register = ledger.register;
  const admin = await register('admin', 0);
  const gatewayId = randomUUID();
  const area = { state: 'MH', city: 'Pune', pincode: '411001' };
  await registerGateway(
    accounts,
    { gatewayId, name: 'Pune', ...area, publicKey: KEY_B },
    meta(admin),
  );
  const customers: { accountId: string; propertyId: string }[] = [];
  const start = Date.now() - READINGS * 3600_000;
  for (let n = 1; n <= CUSTOMERS; n++) {
    const accountId = await register('customer', n);
    const propertyId = randomUUID();
    const meterId = randomUUID();
    const address = { houseNo: `${n}`, building: 'Lotus Court', street: 'FC Road', ...area };
    await addProperty(
      accounts,
      { propertyId, ownerId: accountId, kind: 'residential', address },
      meta(accountId),
    );
    await registerMeter(
      accounts,
      { meterId, serial: `BENCH-${n}`, publicKey: KEY_A, kind: 'single-phase' },
      meta(admin),
    );
    await approveProperty(accounts, { propertyId, gatewayId, meterId }, meta(admin));
    for (let seq = 1; seq <= READINGS; seq++) {
      const readAt = new Date(start + seq * 3600_000).toISOString();
      await handleCommand(store, meterStream(meterId), meterDecider, {
        type: 'RecordReading',
        data: {
          ...{ seq, registerWh: seq * 750, readAt, signature: 'ab'.repeat(64) },
          ...{ runId: null, requestId: null, receivedAt: readAt },
        },
        metadata: meta('system:gateway'),
      });
    }
    const ticket = { ticketId: randomUUID(), propertyId, category: 'other' as const };
    await openTicket(
      accounts,
      { ...ticket, subject: 'Hello', text: 'A question.' },
      meta(accountId),
    );
    customers.push({ accountId, propertyId });
    if (n % 50 === 0) log(`seeded ${n}/${CUSTOMERS} customers`);
  }
  return { ledger, customers };
}

async function main() {
  log(`seeding ${CUSTOMERS} customers with ${READINGS} readings each`);
  const { ledger, customers } = await seed();
  const web = await startBenchWeb(ledger, {
    // One load generator is one client address: the per-address limit would measure itself.
    rateLimits: { global: 100_000_000, auth: 30 },
  });
  try {
    const { url } = web;
    const targets: Target[] = [];
    for (const c of customers)
      targets.push({ cookie: await web.signIn(c.accountId), propertyId: c.propertyId });
    const plan: LoadPlan = { url, targets, rate: RATE, seconds: SECONDS, connections: CONNECTIONS };
    log(
      `loading ${url}: ${RATE} req/s for ${SECONDS}s, then flat out for ${SECONDS}s (${CONNECTIONS} connections, second process)`,
    );
    const child = fork(fileURLToPath(import.meta.url), ['load'], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    const stopProfile = await startProfile(log);
    const cpu0 = process.cpuUsage();
    const statements0 = ledger.db.poolStats?.().statements ?? 0;
    const result = await new Promise<LoadResult>((resolve, reject) => {
      child.once('message', (message) => resolve(message as LoadResult));
      child.once('error', reject);
      child.once(
        'exit',
        (code) => code !== 0 && reject(new Error(`load generator exited ${code}`)),
      );
      child.send(plan);
    });
    const cpu = process.cpuUsage(cpu0);
    const statements = (ledger.db.poolStats?.().statements ?? 0) - statements0;
    await stopProfile();
    const served = result.warmupRequests + result.fixed.requests + result.max.requests;
    // CPU the server process spent per request, all phases: steadier than latency on a shared machine.
    const serverCpuMsPerReq = Number(((cpu.user + cpu.system) / 1000 / served).toFixed(3));
    // Database round trips per request (read-model runners' included): exact whatever the load.
    const dbStatementsPerReq = Number((statements / served).toFixed(2));
    const load1 = os.loadavg()[0]!.toFixed(1);
    log(`fixed rate: ${JSON.stringify(result.fixed)}; flat out: ${JSON.stringify(result.max)}`);
    process.stdout.write(
      JSON.stringify({
        reqPerSec: result.fixed.reqPerSec,
        p50Ms: result.fixed.p50Ms,
        p99Ms: result.fixed.p99Ms,
        errors: result.fixed.errors,
        targetRate: RATE,
        requests: result.fixed.requests,
        maxReqPerSec: result.max.reqPerSec,
        maxP50Ms: result.max.p50Ms,
        maxP99Ms: result.max.p99Ms,
        maxErrors: result.max.errors,
        customers: CUSTOMERS,
        connections: CONNECTIONS,
        serverCpuMsPerReq,
        dbStatementsPerReq,
        logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
        autoPipelining: process.env.BENCH_AUTOPIPELINING === '1',
        loadAvg1: Number(load1),
      }) + '\n',
    );
  } finally {
    await web.close();
    await ledger.close();
  }
}

if (process.argv[2] === 'load') {
  process.once('message', (plan) => {
    load(plan as LoadPlan).then(
      (result) => process.send!(result, () => process.exit(0)),
      (error: unknown) => {
        log(`load generator failed: ${String(error)}`);
        process.exit(1);
      },
    );
  });
} else {
  main().catch((error: unknown) => {
    log(`bench:api failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  });
}
