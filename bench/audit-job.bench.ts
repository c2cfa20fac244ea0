// What a running verification job costs the web process's event loop: a
// ledger with READINGS signed readings (real signatures, Postgres store) is
// verified as a job (src/audit/jobs.ts) while
//   - monitorEventLoopDelay samples this thread's loop delay,
//   - a client in a worker thread sends one request at a time (every 20 ms) to
//     a small HTTP server on this thread that answers with one SQL query, as
//     an API request arriving during the job would,
//   - eventLoopUtilization says how busy this thread was.
// Modes: `in-process` (the job on this loop in pages of 100: PGlite, and every
// deployment before the worker) and `worker` (a worker thread with its own
// connections: Postgres deployments). Each mode runs RUNS times. The last
// stdout line is JSON.

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { countLogEvents } from '../src/audit/job-run.ts';
import { inProcessRunner, workerRunner, type JobRunner } from '../src/audit/job-runners.ts';
import { createAuditJobs } from '../src/audit/jobs.ts';
import { runAudit } from '../src/audit/run-audit.ts';
import { meterStream } from '../src/domain/meter/index.ts';
import { createAuditLedger, METER_SECRET, signReading } from '../test/audit/ledger-fixture.ts';

const READINGS = Number(process.env.READINGS ?? 5000);
const RUNS = Number(process.env.RUNS ?? 2);
const log = (message: string) => process.stderr.write(`${message}\n`);

const ms = (ns: number) => Number((ns / 1e6).toFixed(1));
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const latencies = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => Number(v.toFixed(1));
  return {
    requests: sorted.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
};

// The client: its own thread, so its timing is not delayed by the loop it measures.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const times = [];
let running = true;
parentPort.on('message', () => { running = false; });
(async () => {
  while (running) {
    const started = performance.now();
    await (await fetch(workerData.url)).text();
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  parentPort.postMessage(times);
})();
`;

const ledger = await createAuditLedger();
const server = createServer((_request, response) => {
  ledger.db.query('SELECT now() AS at').then(
    ({ rows }) => response.end(JSON.stringify(rows[0])),
    () => response.writeHead(500).end(),
  );
});
try {
  await appendReadings();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  /** Runs `during` while the probe client and the loop monitors watch this thread. */
  const watched = async <T>(during: () => Promise<T>) => {
    const client = new Worker(CLIENT, { eval: true, workerData: { url } });
    const delay = monitorEventLoopDelay({ resolution: 5 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    delay.enable();
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await during();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(elu).utilization;
    delay.disable();
    const times = new Promise<number[]>((resolve) => client.once('message', resolve));
    client.postMessage('stop');
    const api = latencies(await times);
    await client.terminate();
    return {
      result,
      seconds: Number(seconds.toFixed(2)),
      loopDelayP99Ms: ms(delay.percentile(99)),
      loopDelayMaxMs: ms(delay.max),
      mainThreadBusy: Number(busy.toFixed(3)),
      processCpuMs: Math.round((used.user + used.system) / 1000),
      api,
    };
  };

  // When the run first reports (events counted): for the worker, its start-up.
  let firstSignalAt = 0;
  const timed =
    (runner: JobRunner): JobRunner =>
    (signal) =>
      runner((s) => {
        if (firstSignalAt === 0) firstSignalAt = performance.now();
        signal(s);
      });
  const runners: Record<string, JobRunner> = {
    'in-process': timed(
      inProcessRunner({
        run: (options) => runAudit({ store: ledger.store, db: ledger.db }, options),
        countEvents: () => countLogEvents({ store: ledger.store, db: ledger.db }),
      }),
    ),
    worker: timed(workerRunner({ databaseUrl: ledger.databaseUrl })),
  };
  const measure = async (mode: string) => {
    const jobs = await createAuditJobs({ db: ledger.db, runner: runners[mode]! });
    try {
      firstSignalAt = 0;
      let startedAt = 0;
      const watchedRun = await watched(async () => {
        startedAt = performance.now();
        const { job } = await jobs.start('bench');
        await jobs.idle();
        return (await jobs.get(job.id))!;
      });
      const final = watchedRun.result;
      if (final.status !== 'passed')
        throw new Error(`audit ${final.status}: ${JSON.stringify(final.report ?? final.error)}`);
      const { result: _, ...figures } = watchedRun;
      const firstProgressMs = Math.round(firstSignalAt - startedAt);
      const row = { mode, events: final.report!.eventsReplayed, firstProgressMs, ...figures };
      log(JSON.stringify(row));
      return row;
    } finally {
      await jobs.close();
    }
  };

  const idle = await watched(() => new Promise((resolve) => setTimeout(resolve, 3000)));
  const { result: _, ...idleFigures } = idle;
  log(`idle: ${JSON.stringify(idleFigures)}`);
  const runs = [];
  for (let i = 0; i < RUNS; i++)
    for (const mode of Object.keys(runners)) runs.push(await measure(mode));
  process.stdout.write(`${JSON.stringify({ readings: READINGS, idle: idleFigures, runs })}\n`);
} finally {
  server.close();
  await ledger.close();
}

async function appendReadings() {
  const stream = meterStream(ledger.meterId);
  const existing = await ledger.store.readStream(stream);
  let seq = existing.filter((e) => e.type === 'ReadingRecorded').length;
  let register = 150_000;
  log(`appending ${READINGS} signed readings…`);
  for (let done = 0; done < READINGS; done += 500) {
    const events = Array.from({ length: Math.min(500, READINGS - done) }, () => {
      seq++;
      register += 250;
      const readAt = new Date(Date.parse('2026-03-01T00:00:00Z') + seq * 900_000).toISOString();
      const signature = signReading(METER_SECRET, {
        ...{ meterId: ledger.meterId, seq, registerWh: register, readAt, requestId: null },
      });
      const data = { seq, registerWh: register, readAt, signature, receivedAt: readAt };
      return {
        id: randomUUID(),
        type: 'ReadingRecorded',
        data: { ...data, runId: null, requestId: null },
      };
    });
    await ledger.store.append(stream, events);
  }
}
