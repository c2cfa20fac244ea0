// Filtered vs unfiltered subscriptions (`npx tsx bench/subscribe-filter.bench.ts`):
// a fresh Postgres database holds EVENTS events, 1% of them in `billrun-`
// streams and the rest meter readings; each mode subscribes from the start
// of the log and catches up to its head, twice, alternating. The unfiltered
// mode does what the bill-run fan-out did before the filter: read everything,
// keep the `billrun-` events in JS. The dense mode filters on prefixes that
// match every event (the filter's overhead when it leaves nothing out).
// Figures: wall time, this process's CPU (reading, parsing, the handler) and
// the CPU of the database's Postgres backends. Progress on stderr; the last
// stdout line is one JSON object.

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { postgresDatabase } from '../src/db/postgres.ts';
import type { EventStore, NewEvent, RecordedEvent } from '../src/eventstore/port.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { readingEvent } from './support/reading-event.ts';
import { samplePostgresCpu } from './support/postgres-cpu.ts';

const EVENTS = Number(process.env.EVENTS ?? 100_000);
const MATCH_EVERY = 100; // 1% of the log is in billrun- streams
const METERS = 1000;
const log = (message: string) => process.stderr.write(`${message}\n`);

const runEvent = (seq: number): NewEvent => ({
  id: randomUUID(),
  type: 'MeterAsked',
  data: { meterId: `MTR-${seq % METERS}`, requestId: randomUUID() },
  metadata: { actor: 'billing', at: '2026-06-01T00:00:00Z' },
});

/** EVENTS events in log order, every MATCH_EVERY-th one in a billrun- stream. */
async function fill(store: EventStore): Promise<void> {
  const perCall = 2000;
  for (let start = 0; start < EVENTS; start += perCall) {
    const appends = [];
    for (let i = start; i < Math.min(start + perCall, EVENTS); i++) {
      const stream = i % MATCH_EVERY === 0 ? `billrun-${i % 7}` : `meter-MTR${i % METERS}`;
      appends.push({
        stream,
        events: [stream.startsWith('billrun') ? runEvent(i) : readingEvent(i, i)],
      });
    }
    // One stream per appendMany entry may repeat: append them one group per stream.
    const byStream = new Map<string, NewEvent[]>();
    for (const a of appends)
      byStream.set(a.stream, [...(byStream.get(a.stream) ?? []), ...a.events]);
    const outcomes = await store.appendMany(
      [...byStream].map(([stream, events]) => ({ stream, events })),
    );
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
    if ((start / perCall) % 10 === 0) log(`  filled ${start + perCall}/${EVENTS}`);
  }
}

interface Mode {
  name: string;
  streamPrefixes?: string[];
  filterWindow?: number;
  /** What the handler keeps (the unfiltered mode filters here, in JS). */
  keep: (e: RecordedEvent) => boolean;
}

const isRun = (e: RecordedEvent) => e.stream.startsWith('billrun-');
const MODES: Mode[] = [
  { name: 'unfiltered', keep: isRun },
  { name: 'filtered', streamPrefixes: ['billrun-'], keep: () => true },
  {
    name: 'filteredWindow20000',
    streamPrefixes: ['billrun-'],
    filterWindow: 20_000,
    keep: () => true,
  },
  { name: 'denseFiltered', streamPrefixes: ['billrun-', 'meter-'], keep: isRun },
];

async function catchUp(url: string, mode: Mode) {
  const db = postgresDatabase(url);
  const store = openPostgresEventStore(
    db,
    mode.filterWindow === undefined ? {} : { filterWindow: mode.filterWindow },
  );
  const postgresCpu = await samplePostgresCpu(db);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let delivered = 0;
  let kept = 0;
  let batches = 0;
  const subscription = store.subscribe({
    batchSize: 2000,
    ...(mode.streamPrefixes ? { streamPrefixes: mode.streamPrefixes } : {}),
    handler: async (events) => {
      batches += 1;
      delivered += events.length;
      kept += events.filter(mode.keep).length;
    },
  });
  await subscription.caughtUp;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const pg = await postgresCpu();
  await subscription.stop();
  await store.close();
  await db.close();
  return {
    mode: mode.name,
    ms: Math.round(ms),
    nodeCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    postgresBackendCpuMs: Math.round(pg.backends * 1000),
    delivered,
    kept,
    batches,
  };
}

/** The plan of one filtered page from the start of the log: which index the scan uses. */
async function filteredPlan(url: string): Promise<string[]> {
  const db = postgresDatabase(url);
  const store = openPostgresEventStore(db);
  let plan: string[] = [];
  const query = db.query.bind(db);
  // Capture the statement the store sends, then EXPLAIN it with the same parameters.
  db.query = (async (text: string, params?: unknown[]) => {
    if (text.includes('MATERIALIZED') && plan.length === 0) {
      const { rows } = await query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params);
      plan = rows.map((r) => r['QUERY PLAN']).filter((line) => /Scan|Limit/.test(line));
    }
    return query(text, params);
  }) as typeof db.query;
  const subscription = store.subscribe({ streamPrefixes: ['billrun-'], handler: async () => {} });
  await subscription.caughtUp;
  await subscription.stop();
  await store.close();
  await db.close();
  return plan.map((line) => line.trim());
}

async function main() {
  const database = await createTestDatabase('bench_subfilter');
  try {
    const db = postgresDatabase(database.url);
    await migrate(db);
    const store = openPostgresEventStore(db);
    log(`filling ${EVENTS} events (1 in ${MATCH_EVERY} in billrun- streams)`);
    await fill(store);
    await store.close();
    await db.query('VACUUM ANALYZE events');
    await db.close();

    const runs: ({ round: number } & Awaited<ReturnType<typeof catchUp>>)[] = [];
    for (let round = 0; round < 2; round++)
      for (const mode of MODES) {
        const result = await catchUp(database.url, mode);
        log(`  ${JSON.stringify(result)}`);
        runs.push({ round, ...result });
      }
    const plan = await filteredPlan(database.url);
    log(plan.join('\n'));
    const best = (name: string, key: 'ms' | 'nodeCpuMs' | 'postgresBackendCpuMs') =>
      Math.min(...runs.filter((r) => r.mode === name).map((r) => r[key]));
    const summary = Object.fromEntries(
      MODES.map((m) => [
        m.name,
        {
          ms: best(m.name, 'ms'),
          nodeCpuMs: best(m.name, 'nodeCpuMs'),
          postgresBackendCpuMs: best(m.name, 'postgresBackendCpuMs'),
        },
      ]),
    );
    console.log(
      JSON.stringify({
        events: EVENTS,
        matching: Math.ceil(EVENTS / MATCH_EVERY),
        batchSize: 2000,
        best: summary,
        runs,
        filteredPlan: plan,
        loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
      }),
    );
  } finally {
    await database.drop();
  }
}

await main();
