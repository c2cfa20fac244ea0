// Ingest throughput: FLEET_METERS simulated meters (default 5,000) over real
// WebSockets to one in-process gateway on a fresh Postgres database. The
// fleet runs in a child process (this file with --fleet, the role in
// support/ingest-fleet.ts) so its CPU is measured apart; its readings are
// pre-signed before the window opens. FLEET_BATCH sets the most readings a
// meter sends in one frame (default 8; 1 for one `reading` frame each). The last stdout line is JSON for docs/benchmarks.md.

import { fork, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { signReading } from '../devices/fleet-session.ts';
import { postgresDatabase } from '../src/db/postgres.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { nodeBackend } from '../src/iot/crypto/node-backend.ts';
import { runGateway } from '../src/iot/gateway/run-gateway.ts';
import { readingHash } from '../src/iot/protocol/canonical.ts';
import { nativeVerify } from '../src/iot/verify/native.ts';
import { nobleVerify } from '../src/iot/verify/noble.ts';
import { VerifyPool } from '../src/iot/verify/pool.ts';
import type { VerifyFn } from '../src/iot/verify/types.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { publicKeyHex, registerBulkMeters } from './support/fleet.ts';
import {
  BATCH,
  METERS,
  RATE,
  SECONDS,
  fleetRole,
  gatewayKey,
  meterId,
  meterKey,
  type FleetReport,
} from './support/ingest-fleet.ts';
import { cpuSecondsOf, samplePostgresCpu } from './support/postgres-cpu.ts';
import { startProfile } from './support/profile.ts';

/**
 * Verifications per second in this thread for `seconds`, on pre-signed
 * readings, under compressed keys or (as the gateway's sessions verify) uncompressed.
 */
function verifyRate(
  verify: VerifyFn | undefined,
  seconds: number,
  keyForm: 'compressed' | 'uncompressed' = 'compressed',
): number | null {
  if (!verify) return null;
  const items = Array.from({ length: 256 }, (_, i) => {
    const reading = { meterId: meterId(i), seq: 1, registerWh: i, readAt: Date.now() };
    const signed = signReading(reading, meterKey(i));
    return {
      pub:
        keyForm === 'compressed'
          ? nodeBackend.publicKeyOf(meterKey(i))
          : nodeBackend.uncompressedPublicKey(nodeBackend.publicKeyOf(meterKey(i))),
      hash: readingHash(reading),
      sig: signed.signature,
    };
  });
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let n = 0;
  while (performance.now() < end) {
    const it = items[n % items.length]!;
    if (!verify(it.pub, it.hash, it.sig)) throw new Error('verification failed');
    n++;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_ingest');
  const db = postgresDatabase(database.url);
  let child: ChildProcess | undefined;
  try {
    await migrate(db);
    const store = openPostgresEventStore(db);
    await registerBulkMeters(
      store,
      Array.from({ length: METERS }, (_, i) => ({
        meterId: meterId(i),
        publicKey: publicKeyHex(meterKey(i)),
        propertyId: `p-${i}`,
        gatewayId: 'gw-bench',
      })),
    );
    // Group-commit figures: how many transactions, how large, how long each took.
    const commits = { count: 0, readings: 0, ms: 0 };
    const appendMany = store.appendMany.bind(store);
    store.appendMany = async (appends) => {
      const t = performance.now();
      const outcomes = await appendMany(appends);
      commits.count++;
      commits.readings += appends.reduce((n, a) => n + a.events.length, 0);
      commits.ms += performance.now() - t;
      return outcomes;
    };
    const verifyPerSec = {
      native: verifyRate(nativeVerify, 2),
      nativeUncompressedKey: verifyRate(nativeVerify, 2, 'uncompressed'),
      noble: verifyRate(nobleVerify, 2),
    };
    // The verify workers' threads are the ones the pool's start adds to this
    // process: their CPU apart from V8's helper threads (GC, compiler) tells
    // verification from garbage collection in the process's figure.
    const threadsBefore = new Set(await readdir('/proc/self/task'));
    // VERIFY_WORKERS=<n> sizes the pool (default: one worker per core).
    const verifier = await VerifyPool.start(
      process.env.VERIFY_WORKERS ? { size: Number(process.env.VERIFY_WORKERS) } : {},
    );
    const workerStats = (await readdir('/proc/self/task'))
      .filter((tid) => !threadsBefore.has(tid))
      .map((tid) => `/proc/${process.pid}/task/${tid}/stat`);
    const workersCpu = async () =>
      (await Promise.all(workerStats.map(cpuSecondsOf))).reduce((a, b) => a + b, 0);
    let acksSent = 0;
    const gateway = await runGateway(
      {
        gatewayId: 'gw-bench',
        gatewayPrivateKey: gatewayKey,
        billRuns: false,
        maxInFlight: Number(process.env.COMMITS_IN_FLIGHT ?? 4),
        maxBatch: Number(process.env.MAX_BATCH ?? 500),
      },
      {
        store,
        verifier,
        // Acks the gateway sent: compared with the fleet's count, it tells where acks wait.
        observer: {
          readingIngested: () => void acksSent++,
          readingRejected: () => {},
          verified: () => {},
          batchCommitted: () => {},
        },
      },
    );
    process.stderr.write(`gateway ${gateway.url}; connecting ${METERS} meters\n`);
    child = fork(new URL(import.meta.url).pathname, ['--fleet'], {
      // FLEET_PROFILE=<file.cpuprofile> profiles the fleet as BENCH_PROFILE does the gateway.
      env: {
        ...process.env,
        GATEWAY_URL: gateway.url,
        BENCH_PROFILE: process.env.FLEET_PROFILE ?? '',
        BENCH_HEAP_PROFILE: '',
      },
      execArgv: ['--import', 'tsx'],
    });
    const messages: { type: string; report?: FleetReport }[] = [];
    let wake = () => {};
    child.on('message', (m: { type: string; report?: FleetReport }) => (messages.push(m), wake()));
    const next = async (type: string) => {
      while (!messages.some((m) => m.type === type)) await new Promise<void>((r) => (wake = r));
      return messages.find((m) => m.type === type)!;
    };
    await next('ready');
    process.stderr.write(
      `connected: ${gateway.server.connectedMeters().length}; measuring ${SECONDS} s\n`,
    );
    const stopProfile = await startProfile((m) => process.stderr.write(`${m}\n`));
    const postgresCpu = await samplePostgresCpu(db);
    const cpu0 = process.cpuUsage();
    const mainThreadStat = `/proc/${process.pid}/task/${process.pid}/stat`;
    const mainThread0 = await cpuSecondsOf(mainThreadStat);
    // Time the main thread was runnable but waited for a core (schedstat's
    // second field, ns): with two cores shared by it, the verify workers, V8's
    // helpers, the fleet and Postgres, that is where a loop that is never idle
    // yet only half busy spends the rest.
    const mainThreadSchedstat = `/proc/${process.pid}/task/${process.pid}/schedstat`;
    const runQueueWaitSeconds = async () =>
      Number((await readFile(mainThreadSchedstat, 'utf8')).split(' ')[1]) / 1e9;
    const mainThreadWait0 = await runQueueWaitSeconds();
    const workers0 = await workersCpu();
    // Where the main thread's time goes besides CPU: loop delay (callbacks kept
    // waiting) and garbage collection (pauses, by kind).
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const gc = { ms: 0, count: 0, majorMs: 0, maxMs: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gc.ms += e.duration;
        gc.count++;
        gc.maxMs = Math.max(gc.maxMs, e.duration);
        // NODE_PERFORMANCE_GC_MAJOR = 4 (mark-compact)
        const { kind } = (e as { detail?: { kind?: number } }).detail ?? {};
        if (kind === 4) gc.majorMs += e.duration;
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    // The loop's longest stalls: when in the window they happened (s), how
    // long (ms), and the acks sent meanwhile. Thousands of acks in a stall say
    // the loop kept handling I/O callbacks (one libuv poll phase takes up to
    // 48 x 1,024 ready events before it runs timers), not one long task.
    const stalls: [number, number, number][] = [];
    let lastTick = performance.now();
    let acksAtLastTick = 0;
    const stallWatch = setInterval(() => {
      const now = performance.now();
      if (now - lastTick > 300)
        stalls.push([
          Math.round((now - t0) / 100) / 10,
          Math.round(now - lastTick),
          acksSent - acksAtLastTick,
        ]);
      lastTick = now;
      acksAtLastTick = acksSent;
    }, 10);
    const t0 = performance.now();
    Object.assign(commits, { count: 0, readings: 0, ms: 0 });
    const verifyBatches0 = { ...verifier.stats };
    acksSent = 0;
    child.send({ type: 'go' });
    const { report } = (await next('report')) as { report: FleetReport };
    const gatewayCpu = process.cpuUsage(cpu0);
    const mainThreadCpu = (await cpuSecondsOf(mainThreadStat)) - mainThread0;
    const verifyWorkersCpu = (await workersCpu()) - workers0;
    const mainThreadWait = (await runQueueWaitSeconds()) - mainThreadWait0;
    const wall = (performance.now() - t0) / 1000;
    const pgCpu = await postgresCpu();
    const inWindow = { ...commits, acksSent };
    // Messages to the verify workers and readings per message: small batches cost workers CPU.
    const verifyBatches = verifier.stats.batches - verifyBatches0.batches;
    const verifyItems = verifier.stats.items - verifyBatches0.items;
    loopDelay.disable();
    gcObserver.disconnect();
    clearInterval(stallWatch);
    await stopProfile();
    const {
      rows: [row],
    } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM events WHERE type = 'ReadingRecorded'`,
    );
    await gateway.close();
    await verifier.close();
    await store.close();
    const gatewayCpuSeconds = (gatewayCpu.user + gatewayCpu.system) / 1e6;
    // CPU per reading committed in the window (µs): robust to a shared machine,
    // unlike readings/s. Not per ack: on a starved machine acks lag commits by seconds.
    const perReading = (seconds: number) =>
      Math.round((seconds / Math.max(1, inWindow.readings)) * 1e6);
    console.log(
      JSON.stringify({
        meters: METERS,
        offeredPerSec: METERS * RATE,
        seconds: Number(report.seconds.toFixed(1)),
        readingsPerSec: Math.round(report.acked / report.seconds),
        fleetBatch: BATCH,
        readingsPerFrame: Number((report.readingsSent / Math.max(1, report.framesSent)).toFixed(2)),
        p99AckMs: report.p99AckMs,
        verifyPerSec,
        verifyWorkers: verifier.size,
        verifyBatches: {
          perSec: Math.round(verifyBatches / wall),
          avgItems: Number((verifyItems / Math.max(1, verifyBatches)).toFixed(1)),
        },
        generatorCpuPct: report.cpuPct,
        gatewayProcessCpuPct: Math.round((gatewayCpuSeconds / wall) * 100),
        gatewayMainThreadCpuPct: Math.round((mainThreadCpu / wall) * 100),
        gatewayMainThreadWaitingForCpuPct: Math.round((mainThreadWait / wall) * 100),
        postgresCpuPct: Math.round((pgCpu.backends / wall) * 100),
        postgresSharedCpuPct: Math.round((pgCpu.shared / wall) * 100),
        cpuUsPerReading: {
          gatewayMainThread: perReading(mainThreadCpu),
          gatewayProcess: perReading(gatewayCpuSeconds),
          gatewayVerifyWorkers: perReading(verifyWorkersCpu),
          gatewayOtherThreads: perReading(gatewayCpuSeconds - mainThreadCpu - verifyWorkersCpu),
          postgres: perReading(pgCpu.backends),
          postgresShared: perReading(pgCpu.shared),
          generator: perReading(report.cpuSeconds),
        },
        eventLoopDelayMs: {
          p50: Math.round(loopDelay.percentile(50) / 1e6),
          p99: Math.round(loopDelay.percentile(99) / 1e6),
          max: Math.round(loopDelay.max / 1e6),
        },
        stallsOver300Ms: stalls.sort((a, b) => b[1] - a[1]).slice(0, 6),
        gc: {
          pct: Math.round((gc.ms / 1000 / wall) * 100),
          majorPct: Math.round((gc.majorMs / 1000 / wall) * 100),
          count: gc.count,
          maxMs: Math.round(gc.maxMs),
        },
        rejected: report.rejected,
        rejectedByCode: report.rejectedByCode,
        groupCommit: {
          inFlight: Number(process.env.COMMITS_IN_FLIGHT ?? 4),
          maxBatch: Number(process.env.MAX_BATCH ?? 500),
          perSec: Math.round(inWindow.count / wall),
          readingsPerSec: Math.round(inWindow.readings / wall),
          acksSentPerSec: Math.round(inWindow.acksSent / wall),
          avgReadings: Math.round(inWindow.readings / Math.max(1, inWindow.count)),
          avgMs: Math.round(inWindow.ms / Math.max(1, inWindow.count)),
        },
        storedReadings: Number(row?.n ?? 0),
        loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
      }),
    );
  } finally {
    child?.kill();
    await db.close();
    await database.drop();
  }
}

if (process.argv.includes('--fleet')) await fleetRole();
else await main();
