// CPU per stored reading in the Postgres event store (`npm run bench:append`):
// the gateway's own ReadingRecorded events (made by decideBatch, as the store
// sink makes them) appended with appendMany, BATCH meters a commit, IN_FLIGHT
// commits at once, to a fresh database. Measures events/s, the main thread's
// CPU per event (validation, hash chain, parameters, node-postgres) and the
// database backends' CPU per event.
//
// BASELINE=<dir of another checkout> (e.g. a git worktree of the start commit)
// also loads that checkout's store and runs it in alternating rounds on a
// second fresh database in the same process, so both sides see the same
// machine. Events are built before each round, outside the measured window.
// CURRENT_SQL=<statements> runs on the current side's database after it is
// migrated, to price a schema change (BASELINE=. compares it with none).
// Progress goes to stderr; the last stdout line is JSON.

import path from 'node:path';
import { cpuSecondsOf, samplePostgresCpu } from './support/postgres-cpu.ts';
import { postgresDatabase } from '../src/db/postgres.ts';
import type { SqlDatabase } from '../src/db/sql.ts';
import type { MeterEvent } from '../src/domain/meter/index.ts';
import type { EventStore, StreamAppend } from '../src/eventstore/port.ts';
import { decideBatch, type QueuedReading } from '../src/iot/ingest/decide-batch.ts';
import { MeterEntry } from '../src/iot/ingest/meter-states.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres.ts';

const METERS = Number(process.env.METERS ?? 5000);
const BATCH = Number(process.env.BATCH ?? 300);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const COMMITS_PER_ROUND = Number(process.env.COMMITS ?? 100);
const BASELINE = process.env.BASELINE;
const CURRENT_SQL = process.env.CURRENT_SQL;
// Commits in flight must never share a meter, or they would conflict.
if (METERS < BATCH * IN_FLIGHT) throw new Error(`METERS must be ${BATCH * IN_FLIGHT}+`);
const log = (message: string) => process.stderr.write(`${message}\n`);
const mainThreadCpu = () => cpuSecondsOf(`/proc/${process.pid}/task/${process.pid}/stat`);

type OpenStore = (db: SqlDatabase) => EventStore;
interface StoreModule {
  migrate(db: SqlDatabase): Promise<unknown>;
  openPostgresEventStore: OpenStore;
}

interface Variant {
  name: string;
  database: TestDatabase;
  db: SqlDatabase;
  store: EventStore;
  meters: MeterEntry[];
  next: number;
  perSec: number[];
  mainUs: number[];
  postgresUs: number[];
}

const meterId = (m: number) => `MTR-${String(m).padStart(6, '0')}`;

async function openVariant(name: string, module: StoreModule, setup?: string): Promise<Variant> {
  const database = await createTestDatabase('bench_append');
  const db = postgresDatabase(database.url);
  await module.migrate(db);
  if (setup) await db.query(setup);
  const store = module.openPostgresEventStore(db);
  const at = '2026-11-01T00:00:00.000Z';
  const meters = Array.from({ length: METERS }, (_, m) => new MeterEntry(meterId(m)));
  // Every meter registered and assigned, as a gateway finds them.
  for (let from = 0; from < METERS; from += 500) {
    const appends: StreamAppend[] = meters.slice(from, from + 500).map((entry) => {
      const events: MeterEvent[] = [
        {
          type: 'MeterRegistered',
          data: {
            ...{ meterId: entry.meterId, serial: `SN-${entry.meterId}`, kind: 'single-phase' },
            ...{ publicKey: `02${'ab'.repeat(32)}`, registeredAt: at },
          },
        },
        {
          type: 'MeterAssigned',
          data: { propertyId: `P-${entry.meterId}`, gatewayId: 'bench', assignedAt: at },
        },
      ];
      events.forEach((event, revision) => entry.apply(event, revision));
      return {
        stream: `meter-${entry.meterId}`,
        events: events.map((e) => ({ id: crypto.randomUUID(), type: e.type, data: e.data })),
        expectedRevision: 'no_stream',
      };
    });
    for (const outcome of await store.appendMany(appends)) if (!outcome.ok) throw outcome.error;
  }
  return { name, database, db, store, meters, next: 0, perSec: [], mainUs: [], postgresUs: [] };
}

/** One commit's appends as the sink builds them: one reading per meter, decided on its state. */
function buildCommit(v: Variant, receivedAtMs: number): StreamAppend[] {
  const receivedAt = new Date(receivedAtMs).toISOString();
  const appends: StreamAppend[] = [];
  for (let k = 0; k < BATCH; k++) {
    const entry = v.meters[v.next++ % METERS]!;
    const seq = (entry.state.status === 'none' ? null : entry.state.lastSeq) ?? 0;
    const item: QueuedReading = {
      reading: {
        meterId: entry.meterId,
        seq: seq + 1,
        registerWh: 1_000 * (seq + 1),
        readAt: receivedAtMs - 1_000,
      },
      signature: (seq % 256).toString(16).padStart(2, '0').repeat(64),
      runId: null,
      retried: false,
      resolve: () => {},
    };
    const expectedRevision = entry.revision;
    const plan = decideBatch(entry, [item], { receivedAt, actor: 'system:gateway-bench' });
    if (plan.events.length !== 1) throw new Error(`meter ${entry.meterId} refused its reading`);
    // Taken as committed: the next commit of this meter follows it.
    entry.applyDecided(plan.meterEvents, plan.state, expectedRevision + 1);
    appends.push({ stream: `meter-${entry.meterId}`, events: plan.events, expectedRevision });
  }
  return appends;
}

async function runRound(v: Variant, commits: StreamAppend[][]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < commits.length) {
        const appends = commits[next++]!;
        for (const outcome of await v.store.appendMany(appends))
          if (!outcome.ok) throw outcome.error;
      }
    }),
  );
}

async function measureRound(v: Variant, commits: number, record: boolean): Promise<void> {
  const built = Array.from({ length: commits }, () => buildCommit(v, Date.now()));
  const events = commits * BATCH;
  const postgres = await samplePostgresCpu(v.db);
  const main = await mainThreadCpu();
  const started = performance.now();
  await runRound(v, built);
  const seconds = (performance.now() - started) / 1000;
  const mainSeconds = (await mainThreadCpu()) - main;
  const { backends } = await postgres();
  if (!record) return;
  v.perSec.push(events / seconds);
  v.mainUs.push((mainSeconds / events) * 1e6);
  v.postgresUs.push((backends / events) * 1e6);
  log(
    `${v.name}: ${Math.round(events / seconds)} events/s, main ${v.mainUs.at(-1)!.toFixed(1)} µs/event, ` +
      `postgres ${v.postgresUs.at(-1)!.toFixed(1)} µs/event`,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const current = (await import('../src/eventstore/postgres/index.ts')) as StoreModule;
  const variants = [await openVariant('current', current, CURRENT_SQL)];
  if (BASELINE) {
    const dir = path.resolve(BASELINE);
    const base = (await import(`${dir}/src/eventstore/postgres/index.ts`)) as StoreModule;
    variants.push(await openVariant('baseline', base));
  }
  try {
    // Statements planned, heads cached and code optimised before measuring.
    for (const v of variants) await measureRound(v, Math.ceil(METERS / BATCH) * 2, false);
    for (let round = 0; round < ROUNDS; round++)
      for (const v of round % 2 === 0 ? variants : [...variants].reverse())
        await measureRound(v, COMMITS_PER_ROUND, true);
    const results: Record<string, object> = {};
    for (const v of variants)
      results[v.name] = {
        eventsPerSec: Math.round(median(v.perSec)),
        mainThreadUsPerEvent: round1(median(v.mainUs)),
        postgresUsPerEvent: round1(median(v.postgresUs)),
        byRound: {
          eventsPerSec: v.perSec.map(Math.round),
          mainThreadUs: v.mainUs.map(round1),
          postgresUs: v.postgresUs.map(round1),
        },
      };
    console.log(
      JSON.stringify({
        ...{ meters: METERS, batch: BATCH, inFlight: IN_FLIGHT, rounds: ROUNDS },
        eventsPerRound: COMMITS_PER_ROUND * BATCH,
        ...results,
      }),
    );
  } finally {
    for (const v of variants) {
      await v.store.close();
      await v.db.close();
      await v.database.drop();
    }
  }
}

await main();
