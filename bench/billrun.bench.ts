// Bill run end to end: BILLRUN_METERS approved properties with meters
// (default 20,000), all connected over real WebSockets, billed in runs of
// RUN_SIZE (default: one run of every meter; the decider allows 50,000), from
// the first startBillRun to the last BillRunCompleted. A process may hold at most
// `ulimit -n` (20,000 here) sockets, so meters are split over two gateways
// (this process and a child) and two fleet processes, and the gateways share
// the runs. The last stdout line is JSON for docs/benchmarks.md.
// BENCH_PROFILE=<file.cpuprofile> profiles gw-a's process during the runs.

import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Fleet } from '../devices/fleet.ts';
import { startBillRun, storeBillingPorts, type BillingDeps } from '../src/commands/billing.ts';
import { publishTariffVersion } from '../src/commands/tariffs.ts';
import { postgresDatabase } from '../src/db/postgres.ts';
import {
  applyBillRunEvent,
  billRunProgress,
  billRunStream,
  initialState,
  type BillRunEvent,
  type BillRunState,
} from '../src/domain/billrun/index.ts';
import { meterDecider, meterStream } from '../src/domain/meter/index.ts';
import { propertyDecider, propertyStream } from '../src/domain/property/index.ts';
import type { Decider } from '../src/domain/shared/decider.ts';
import type { EventStore, NewEvent, RecordedEvent, StreamAppend } from '../src/eventstore/port.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { nodeBackend } from '../src/iot/crypto/node-backend.ts';
import { runGateway } from '../src/iot/gateway/run-gateway.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { startProfile } from './support/profile.ts';

const METERS = Number(process.env.BILLRUN_METERS ?? 20_000);
const RUN_SIZE = Number(process.env.RUN_SIZE ?? METERS);
/**
 * The run's deadline: an upper bound, since a run closes as soon as every
 * meter has answered; unanswered meters are recorded missed at it.
 */
const DEADLINE_S = Number(process.env.DEADLINE_S ?? 30);
/**
 * Each meter's first connection waits a random 0..CONNECT_JITTER_MS. Handshakes
 * arriving faster than a gateway completes them queue past the 10 s handshake
 * timeout, fail and come back with backoff (up to 60 s): spread them out.
 */
const CONNECT_JITTER_MS = Number(process.env.CONNECT_JITTER_MS ?? 60_000);
/**
 * Each gateway closes a run a random 0..CLOSE_JITTER_MS past its deadline or
 * its last answer (default: the gateway's own, 500 ms); the first to claim the
 * close's lease bills, the other waits for the lease to run out.
 */
const CLOSE_JITTER_MS =
  process.env.CLOSE_JITTER_MS === undefined ? undefined : Number(process.env.CLOSE_JITTER_MS);
/** Stop waiting for completion after this long and report how far the runs got. */
const MAX_SECONDS = Number(process.env.MAX_SECONDS ?? 180);
const enc = new TextEncoder();
const meterKey = (i: number) => sha256(enc.encode(`billrun bench meter ${i}`));
const gatewayKey = sha256(enc.encode('billrun bench gateway'));
const meterId = (i: number) => `m-${i}`;
const propertyId = (i: number) => `p-${i}`;
const SUPERUSER = 'bench-superuser';
const OWNER = 'bench-owner';
const ADMIN = 'bench-admin';
const at = '2026-01-01T00:00:00.000Z';
const meta = (actor: string) => ({ now: at, commandId: crypto.randomUUID(), actor });

const tariff = {
  version: 1,
  effectiveFrom: '2025-12-01',
  mode: 'telescopic' as const,
  slabs: [
    { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 },
    { fromWh: 100_000, toWh: null, ratePaisePerKwh: 800 },
  ],
  fixedChargePaise: 5_000,
  taxes: [{ name: 'SGST', basisPoints: 500, base: 'energy' as const }],
  miscCharges: [],
  lateFeePaise: 10_000,
  missedReadingPenaltyPaise: 25_000,
  dueDays: 15,
};

/** The events `commands` produce on a fresh stream, through its decider. */
function eventsOf<C, E extends { type: string; data: object }, S>(
  decider: Decider<C, E, S>,
  commands: C[],
): NewEvent[] {
  let state = decider.initialState;
  const out: NewEvent[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    if (decided instanceof Error) throw decided;
    for (const e of decided) {
      state = decider.evolve(state, e);
      out.push({ id: crypto.randomUUID(), type: e.type, data: e.data as never });
    }
  }
  return out;
}

async function setUp(store: EventStore, deps: BillingDeps): Promise<void> {
  for (const [accountId, role] of [
    [SUPERUSER, 'superuser'],
    [ADMIN, 'admin'],
    [OWNER, 'customer'],
  ] as const)
    await store.append(`account-${accountId}`, [
      {
        id: crypto.randomUUID(),
        type: 'AccountRegistered',
        data: {
          ...{ accountId, username: `u${accountId}`.replace(/-/g, ''), roles: [role] },
          personal: { v: 1, subject: accountId, iv: 'aXY', ct: 'Y3Q' },
          ...{ emailLookup: accountId, consentGivenAt: at, registeredAt: at },
        },
      },
    ]);
  await publishTariffVersion(deps, { kind: 'residential', terms: tariff }, meta(SUPERUSER));
  for (let from = 0; from < METERS; from += 500) {
    const appends: StreamAppend[] = [];
    for (let i = from; i < Math.min(METERS, from + 500); i++) {
      const gatewayId = i % 2 === 0 ? 'gw-a' : 'gw-b';
      const meter = { meterId: meterId(i), propertyId: propertyId(i) };
      appends.push({
        stream: meterStream(meter.meterId),
        expectedRevision: 'no_stream',
        events: eventsOf(meterDecider, [
          {
            type: 'RegisterMeter',
            data: {
              meterId: meter.meterId,
              serial: `BR-${i}`,
              publicKey: bytesToHex(nodeBackend.publicKeyOf(meterKey(i))),
              kind: 'single-phase',
            },
            metadata: meta(ADMIN),
          },
          {
            type: 'AssignMeter',
            data: { propertyId: meter.propertyId, gatewayId },
            metadata: meta(ADMIN),
          },
        ]),
      });
      appends.push({
        stream: propertyStream(meter.propertyId),
        expectedRevision: 'no_stream',
        events: eventsOf(propertyDecider, [
          {
            type: 'AddProperty',
            data: {
              ...{ propertyId: meter.propertyId, ownerId: OWNER, kind: 'residential' },
              address: { v: 1, subject: OWNER, iv: 'aXY', ct: 'YWRkcmVzcw' },
              ...{ city: 'Pune', state: 'MH', pincode: '411001' },
            },
            metadata: meta(OWNER),
          },
          {
            type: 'ApproveProperty',
            data: { gatewayId, meterId: meter.meterId },
            metadata: meta(ADMIN),
          },
        ]),
      });
    }
    for (const outcome of await store.appendMany(appends)) if (!outcome.ok) throw outcome.error;
  }
}

const startGateway = (store: EventStore, gatewayId: string) =>
  runGateway(
    {
      ...{ gatewayId, gatewayPrivateKey: gatewayKey, port: 0 },
      ...(CLOSE_JITTER_MS === undefined ? {} : { closeJitterMs: CLOSE_JITTER_MS }),
    },
    { store, onError: (e) => process.stderr.write(`${gatewayId}: ${String(e)}\n`) },
  );

/** Child roles: the second gateway, or a fleet of meters [from, to). */
async function childRole(role: string): Promise<void> {
  const send = (m: object) => process.send!(m);
  if (role === '--gateway') {
    const db = postgresDatabase(process.env.BENCH_DB!);
    const gateway = await startGateway(openPostgresEventStore(db), 'gw-b');
    send({ type: 'url', url: gateway.url });
    // Asked for its pipelined billing's figures at the end; killed after.
    process.on('message', () => send({ type: 'billing', ...gateway.fanOut?.billingStats() }));
    return;
  }
  const [from, to] = [Number(process.env.FROM), Number(process.env.TO)];
  const fleet = Fleet.start({
    url: process.env.GATEWAY_URL!,
    meters: Array.from({ length: to - from }, (_, k) => ({
      identity: {
        meterId: meterId(from + k),
        privateKey: meterKey(from + k),
        gatewayPublicKey: nodeBackend.publicKeyOf(gatewayKey),
      },
      profile: 'residential' as const,
      startWh: 0,
      lastSeq: 0,
    })),
    connectJitterMs: CONNECT_JITTER_MS,
  });
  // How far the handshakes got, every 5 s, until all are up.
  const t0 = performance.now();
  const progress = setInterval(() => {
    const up = fleet.meters.filter((m) => m.connected).length;
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    process.stderr.write(`fleet ${from}..${to}: ${up}/${to - from} sessions open at ${s} s\n`);
  }, 5000);
  await fleet.waitConnected();
  clearInterval(progress);
  send({ type: 'connected' });
  const cpu0 = process.cpuUsage();
  await new Promise((r) => process.once('message', r));
  const cpu = process.cpuUsage(cpu0);
  const answered = fleet.meters.reduce((n, m) => n + m.readsAnswered, 0);
  send({ type: 'done', answered, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  await fleet.stop();
  process.exit(0);
}

/**
 * When each phase of the runs happened, from the events' own commit times
 * (seconds after the first startBillRun): the last ask, the first and last
 * answer recorded, the
 * first close claim (and every closer that claimed), the first and last
 * meter billed, and the last run completed.
 */
function phaseMarks(t0Wall: number) {
  let firstAsked: number | null = null;
  let lastAsked: number | null = null;
  const billedAt: { at: number; meters: number }[] = [];
  let firstAnswer: number | null = null;
  let lastAnswer: number | null = null;
  let firstClaim: number | null = null;
  let firstBilled: number | null = null;
  let lastBilled: number | null = null;
  let completed: number | null = null;
  const closers: string[] = [];
  const max = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));
  const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
  const s = (at: number | null) => (at === null ? null : Number(((at - t0Wall) / 1000).toFixed(1)));
  return {
    see(e: RecordedEvent) {
      const at = e.recordedAt.getTime();
      // Runs record meters many to an event; older runs one event per meter.
      if (e.type === 'MeterReadsRequested' || e.type === 'MeterReadRequested') {
        firstAsked = min(firstAsked, at);
        lastAsked = max(lastAsked, at);
      }
      if (e.type === 'MetersAnswered' || e.type === 'MeterAnswered') {
        firstAnswer = min(firstAnswer, at);
        lastAnswer = max(lastAnswer, at);
      }
      if (e.type === 'BillRunCloseClaimed') {
        firstClaim = min(firstClaim, at);
        closers.push(String(e.data.closer));
      }
      if (e.type === 'MetersBilled' || e.type === 'MeterBilled') {
        firstBilled = min(firstBilled, at);
        lastBilled = max(lastBilled, at);
        const meters = e.type === 'MetersBilled' ? (e.data.bills as unknown[]).length : 1;
        billedAt.push({ at, meters });
      }
      if (e.type === 'BillRunCompleted') completed = max(completed, at);
    },
    /** `ended`: meters the close ended (billed, missed, skipped). */
    phases: (ended: number) => ({
      firstAskRecordedS: s(firstAsked),
      lastAskRecordedS: s(lastAsked),
      firstAnswerRecordedS: s(firstAnswer),
      lastAnswerRecordedS: s(lastAnswer),
      closeClaimedS: s(firstClaim),
      firstBilledS: s(firstBilled),
      lastBilledS: s(lastBilled),
      completedS: s(completed),
      /** Meters billed (pipelined, by the gateways) before any close was claimed. */
      billedBeforeCloseClaim: billedAt
        .filter(({ at }) => firstClaim === null || at < firstClaim)
        .reduce((n, b) => n + b.meters, 0),
      closeClaims: closers,
      closeMetersPerSecond:
        firstClaim === null || completed === null
          ? null
          : Math.round(ended / Math.max(0.001, (completed - firstClaim) / 1000)),
    }),
  };
}

function spawn(args: string[], env: Record<string, string>) {
  const child = fork(new URL(import.meta.url).pathname, args, {
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
  });
  const messages: { type: string; [k: string]: unknown }[] = [];
  let wake = () => {};
  child.on('message', (m: { type: string }) => (messages.push(m), wake()));
  const next = async (type: string) => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      await new Promise<void>((r) => (wake = r));
    }
  };
  return { child, next };
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_billrun');
  const db = postgresDatabase(database.url);
  const children: ChildProcess[] = [];
  try {
    await migrate(db);
    const store = openPostgresEventStore(db);
    const deps: BillingDeps = { store, ports: storeBillingPorts(store) };
    await setUp(store, deps);
    process.stderr.write(`${METERS} meters and properties registered\n`);
    const gatewayA = await startGateway(store, 'gw-a');
    const b = spawn(['--gateway'], { BENCH_DB: database.url });
    children.push(b.child);
    const urlB = (await b.next('url')).url as string;
    const half = Math.ceil(METERS / 2);
    const fleets = [
      spawn(['--fleet'], { GATEWAY_URL: gatewayA.url!, FROM: '0', TO: String(half) }),
      spawn(['--fleet'], { GATEWAY_URL: urlB, FROM: String(half), TO: String(METERS) }),
    ];
    children.push(...fleets.map((f) => f.child));
    await Promise.all(fleets.map((f) => f.next('connected')));
    process.stderr.write(`all ${METERS} meters connected; starting runs\n`);

    // BENCH_PROFILE=<file.cpuprofile> profiles this process (gw-a and the
    // progress poll) from the first startBillRun to the last completion.
    const stopProfile = await startProfile((message) => process.stderr.write(`${message}\n`));
    const t0 = performance.now();
    const t0Wall = Date.now();
    const deadline = new Date(Date.now() + DEADLINE_S * 1000).toISOString();
    const runIds: string[] = [];
    await Promise.all(
      Array.from({ length: Math.ceil(METERS / RUN_SIZE) }, async (_, r) => {
        const runId = crypto.randomUUID();
        runIds.push(runId);
        const meters = Array.from(
          { length: Math.min(RUN_SIZE, METERS - r * RUN_SIZE) },
          (_, k) => ({
            meterId: meterId(r * RUN_SIZE + k),
            propertyId: propertyId(r * RUN_SIZE + k),
          }),
        );
        await startBillRun(
          deps,
          { runId, period: '2026-10', deadline, meters },
          {
            now: new Date().toISOString(),
            commandId: crypto.randomUUID(),
            actor: SUPERUSER,
          },
        );
      }),
    );
    const startedS = (performance.now() - t0) / 1000;
    // Poll the runs (reading only what each run stream gained since the last
    // look): when every meter's answer is recorded, and when every run completed.
    const followed = new Map<string, { state: BillRunState; revision: number }>(
      runIds.map((runId) => [runId, { state: initialState, revision: -1 }]),
    );
    let answeredS: number | null = null;
    const marks = phaseMarks(t0Wall);
    let progress = { answered: 0, billed: 0, missed: 0, skipped: 0, completed: 0 };
    while ((performance.now() - t0) / 1000 < MAX_SECONDS) {
      progress = { answered: 0, billed: 0, missed: 0, skipped: 0, completed: 0 };
      for (const [runId, run] of followed) {
        const events = await store.readStream(billRunStream(runId), {
          fromRevision: run.revision + 1,
        });
        for (const e of events) {
          run.state = applyBillRunEvent(run.state, e as unknown as BillRunEvent);
          marks.see(e);
        }
        run.revision += events.length;
        const p = billRunProgress(run.state);
        progress.answered += p.answered;
        progress.billed += p.billed;
        progress.missed += p.missed;
        progress.skipped += p.skipped;
        if (run.state.status === 'completed') progress.completed++;
      }
      if (answeredS === null && progress.answered >= METERS)
        answeredS = (performance.now() - t0) / 1000;
      if (progress.completed === runIds.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await stopProfile();
    const totals = progress;
    const phases = marks.phases(totals.billed + totals.missed + totals.skipped);
    const seconds = (performance.now() - t0) / 1000;
    fleets.forEach((f) => f.child.send({ type: 'stop' }));
    const done = await Promise.all(fleets.map((f) => f.next('done')));
    b.child.send({ type: 'billing' });
    const { type: _, ...billingB } = await b.next('billing');
    /** Each gateway's pipelined billing: meters billed (or skipped) as their answers were recorded. */
    const pipelinedBilling = { 'gw-a': gatewayA.fanOut?.billingStats(), 'gw-b': billingB };
    console.log(
      JSON.stringify({
        meters: METERS,
        runs: runIds.length,
        completed: totals.completed === runIds.length,
        seconds: totals.completed === runIds.length ? Number(seconds.toFixed(1)) : null,
        allAnsweredSeconds: answeredS === null ? null : Number(answeredS.toFixed(1)),
        waitedSeconds: Number(seconds.toFixed(1)),
        /** Events of the runs' streams (listing, asks, answers, claims, outcomes, completion). */
        runEvents: [...followed.values()].reduce((n, run) => n + run.revision + 1, 0),
        billed: totals.billed,
        missed: totals.missed,
        skipped: totals.skipped,
        deadlineSeconds: DEADLINE_S,
        closeJitterMs: CLOSE_JITTER_MS ?? null,
        ...phases,
        pipelinedBilling,
        connectJitterMs: CONNECT_JITTER_MS,
        startRunsSeconds: Number(startedS.toFixed(1)),
        readsAnswered: done.reduce((n, d) => n + (d.answered as number), 0),
        generatorCpuSeconds: Number(
          done.reduce((n, d) => n + (d.cpuSeconds as number), 0).toFixed(1),
        ),
        loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
      }),
    );
    // No graceful close: a gateway would wait for a close still billing when MAX_SECONDS cut in.
  } finally {
    children.forEach((c) => c.kill());
    await database.drop();
    process.exit(0);
  }
}

const role = process.argv.find((a) => a === '--gateway' || a === '--fleet');
if (role) await childRole(role);
else await main();
