// What operations cost (`npx tsx bench/metrics.bench.ts`): the HTTP latency
// hook per request (GET /health through `inject`, an app with metrics against
// one without, rounds interleaved so machine load hits both alike), and one
// /metrics scrape of a `ledger serve`-shaped registry (Node defaults, every
// read model's lag read from a fresh Postgres database, open bill runs).
// Progress goes to stderr; the last stdout line is one JSON object.

import os from 'node:os';
import { postgresDatabase } from '../src/db/postgres.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { billRunProgressSource } from '../src/ops/bill-runs.ts';
import { createMetrics } from '../src/ops/metrics.ts';
import { projectionLagSource } from '../src/ops/projection-lag.ts';
import { startProjections } from '../src/projections/index.ts';
import { buildApp } from '../src/web/app.ts';
import { createTestDatabase } from '../test/support/postgres.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = 6;
const PER_ROUND = Math.max(100, Math.round(3000 * SCALE));
const SCRAPES = Math.max(10, Math.round(200 * SCALE));
const log = (message: string) => process.stderr.write(`${message}\n`);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const database = await createTestDatabase('bench_ops');
const db = postgresDatabase(database.url);
try {
  await migrate(db);
  const store = openPostgresEventStore(db);
  const metrics = createMetrics();
  const plain = await buildApp({ store, logLevel: 'silent' });
  const observed = await buildApp({
    store,
    logLevel: 'silent',
    metrics: { metrics, access: { access: 'open' } },
  });

  const perRequestUs = async (app: typeof plain) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) await app.inject({ method: 'GET', url: '/health' });
    return Number(process.hrtime.bigint() - started) / 1e3 / PER_ROUND;
  };
  await perRequestUs(plain);
  await perRequestUs(observed);
  const plainUs: number[] = [];
  const observedUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    plainUs.push(await perRequestUs(plain));
    observedUs.push(await perRequestUs(observed));
    log(
      `round ${round + 1}: plain ${plainUs.at(-1)!.toFixed(1)} µs, with metrics ${observedUs.at(-1)!.toFixed(1)} µs`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  const projections = await startProjections({ store, readDb: db });
  await projections.caughtUp;
  metrics.watchProjections(
    projectionLagSource({ store, readDb: db, projections: projections.runners.map((r) => r.name) }),
  );
  metrics.watchBillRuns(billRunProgressSource(db));
  const scrapeMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const started = process.hrtime.bigint();
    const response = await observed.inject({ method: 'GET', url: '/metrics' });
    scrapeMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    bytes = response.body.length;
  }
  scrapeMs.sort((a, b) => a - b);
  await projections.stop();
  await plain.close();
  await observed.close();
  await store.close();

  const result = {
    // The fastest round is the least disturbed by other load: compare those.
    injectUsPlain: Number(Math.min(...plainUs).toFixed(1)),
    injectUsWithMetrics: Number(Math.min(...observedUs).toFixed(1)),
    httpHookOverheadUs: Number((Math.min(...observedUs) - Math.min(...plainUs)).toFixed(1)),
    medianOverheadUs: Number((median(observedUs) - median(plainUs)).toFixed(1)),
    scrapeMsP50: Number(percentile(scrapeMs, 50).toFixed(2)),
    scrapeMsP99: Number(percentile(scrapeMs, 99).toFixed(2)),
    scrapeBytes: bytes,
    projections: projections.runners.length,
    loadAvg1m: Number(os.loadavg()[0]!.toFixed(1)),
  };
  log(JSON.stringify(result, null, 2));
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await db.close();
  await database.drop();
}
