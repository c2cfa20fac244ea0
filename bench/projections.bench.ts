// Projections benchmark (`npm run bench:projections`): fills a fresh Postgres
// database (TEST_DATABASE_URL's server) with a realistic log of at least
// 1,000,000 events (accounts, properties, meters assigned on a gateway, many
// readings per meter, bill runs, bills, receivables with payments), rebuilds
// every read model from position 0, then appends at a steady rate while the
// live runners run and measures append→visible lag. Progress goes to stderr;
// the last stdout line is one JSON object.

import os from 'node:os';
import { postgresDatabase } from '../src/db/postgres.ts';
import type { StreamAppend } from '../src/eventstore/port.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { allProjections, startProjections } from '../src/projections/index.ts';
import { rebuildProjections } from '../src/projections/rebuild.ts';
import { waitForPosition } from '../src/projections/wait.ts';
import * as ev from '../test/projections/fixtures/events.ts';
import { workload } from '../test/projections/fixtures/workload.ts';
import { createTestDatabase } from '../test/support/postgres.ts';

// BENCH_SCALE=0.05 for a quick run; 1 is what docs/benchmarks.md reports.
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const PROPERTIES = Math.max(10, Math.round(2000 * SCALE));
const READINGS_PER_PERIOD = 180; // with 2,000 properties: just over 1,000,000 events
const PERIODS = 3;
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 20);
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 200); // events per second
// rebuildProjections' defaults; override to compare settings.
const REBUILD_PAGE = Number(process.env.BENCH_REBUILD_PAGE ?? 20_000);
const REBUILD_LANES = Number(process.env.BENCH_REBUILD_LANES ?? 3);
const log = (message: string) => process.stderr.write(`${message}\n`);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function main() {
  ev.checking.enabled = false; // zod checks on a million events would measure zod
  const database = await createTestDatabase('bench_proj');
  const db = postgresDatabase(database.url, 6);
  const store = openPostgresEventStore(db, { pollIntervalMs: 100 });
  try {
    await migrate(db);
    log(
      `generating: ${PROPERTIES} properties, ${READINGS_PER_PERIOD} readings per meter per period, ${PERIODS} periods`,
    );
    let events = 0;
    let pending: StreamAppend[] = [];
    const flush = async () => {
      for (const outcome of await store.appendMany(pending)) if (!outcome.ok) throw outcome.error;
      pending = [];
    };
    const started = Date.now();
    for (const appends of workload({
      seed: 1,
      properties: PROPERTIES,
      readingsPerPeriod: READINGS_PER_PERIOD,
      periods: PERIODS,
    })) {
      // A stream may appear once per appendMany call in the fast path; flush between rounds.
      pending.push(...appends);
      events += appends.reduce((n, a) => n + a.events.length, 0);
      if (pending.length >= 1000) await flush();
      if (events % 100_000 < appends.length) log(`  ${events} events appended`);
    }
    await flush();
    const appendSeconds = (Date.now() - started) / 1000;
    log(
      `appended ${events} events in ${appendSeconds.toFixed(1)} s (${Math.round(events / appendSeconds)}/s)`,
    );

    log('rebuilding all read models from position 0');
    const rebuildStarted = Date.now();
    let lastLog = 0;
    const rebuilt = await rebuildProjections({
      store,
      readDb: db,
      projections: allProjections,
      batchSize: REBUILD_PAGE,
      lanes: REBUILD_LANES,
      onProgress: (done) => {
        if (done - lastLog >= 100_000) {
          lastLog = done;
          log(
            `  ${done}/${events} events (${Math.round(done / ((Date.now() - rebuildStarted) / 1000))}/s)`,
          );
        }
      },
    });
    const rebuildSeconds = (Date.now() - rebuildStarted) / 1000;
    const rebuildPerSec = Math.round(rebuilt.events / rebuildSeconds);
    log(`rebuilt ${rebuilt.events} events in ${rebuildSeconds.toFixed(1)} s = ${rebuildPerSec}/s`);

    log(
      `catch-up lag: appending ${LAG_RATE} readings/s for ${LAG_SECONDS} s with the live runners running`,
    );
    const running = await startProjections({ store, readDb: db });
    await running.caughtUp;
    const lags: number[] = [];
    const waits: Promise<void>[] = [];
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((LAG_RATE * tickMs) / 1000));
    const seq = new Map<number, number>();
    for (let tick = 0; tick < (LAG_SECONDS * 1000) / tickMs; tick++) {
      const tickStart = Date.now();
      const appends: StreamAppend[] = [];
      for (let i = 0; i < perTick; i++) {
        const meter = (tick * perTick + i) % PROPERTIES;
        const next = (seq.get(meter) ?? 1_000_000) + 1;
        seq.set(meter, next);
        appends.push({
          stream: `meter-m${meter}`,
          events: [ev.reading(next, 10_000_000 + next, new Date().toISOString())],
        });
      }
      const t0 = performance.now();
      const outcomes = await store.appendMany(appends);
      const positions = outcomes.flatMap((o) => (o.ok ? [o.result.position] : []));
      const last = positions.sort((a, b) => store.comparePositions(a, b)).at(-1)!;
      waits.push(
        waitForPosition(db, ['readings', 'inventory', 'activity'], last, {
          comparePositions: store.comparePositions,
          timeoutMs: 30_000,
          pollIntervalMs: 20,
        }).then((ok) => {
          if (ok) lags.push(performance.now() - t0);
        }),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - tickStart))));
    }
    await Promise.all(waits);
    await running.stop();
    const result = {
      events: rebuilt.events,
      appendPerSec: Math.round(events / appendSeconds),
      rebuildSeconds: Number(rebuildSeconds.toFixed(1)),
      rebuildPerSec,
      rebuildPage: REBUILD_PAGE,
      rebuildLanes: REBUILD_LANES,
      catchUpRatePerSec: LAG_RATE,
      catchUpSamples: lags.length,
      catchUpLagMsP50: Math.round(percentile(lags, 50)),
      catchUpLagMsP99: Math.round(percentile(lags, 99)),
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
      node: process.version,
    };
    log(
      `lag p50 ${result.catchUpLagMsP50} ms, p99 ${result.catchUpLagMsP99} ms over ${lags.length} samples`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await store.close();
    await db.close();
    await database.drop();
  }
}

await main();
