// Postgres cost of moving stream heads under gateway-shaped group commits
// (`npx tsx bench/stream-heads.bench.ts`): commits of BATCH reading events,
// one per meter stream as the store sink writes them, four in flight. Two
// fresh databases in alternating rounds: the schema as migrated (streams
// pages half free, migration 002) and the same with full pages (fillfactor
// reset), the obvious alternative. Reports the backends' CPU per event, the
// share of head moves that were HOT updates and the streams table's size.
// Progress goes to stderr; the last stdout line is JSON.

import { postgresDatabase } from '../src/db/postgres.ts';
import type { SqlDatabase } from '../src/db/sql.ts';
import type { EventStore, StreamAppend } from '../src/eventstore/port.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { readingEventId } from '../src/iot/ingest/meter-states.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres.ts';
import { samplePostgresCpu } from './support/postgres-cpu.ts';

const STREAMS = Number(process.env.STREAMS ?? 5000);
const BATCH = Number(process.env.BATCH ?? 300);
const IN_FLIGHT = 4;
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const COMMITS_PER_ROUND = Number(process.env.COMMITS ?? 50);
// Commits in flight must never share a stream, or they would conflict.
if (STREAMS < 2 * BATCH * IN_FLIGHT) throw new Error(`STREAMS must be ${2 * BATCH * IN_FLIGHT}+`);
const log = (message: string) => process.stderr.write(`${message}\n`);

/** A reading event as the store sink builds it. */
function readingEvent(meterId: string, seq: number) {
  const at = new Date().toISOString();
  return {
    id: readingEventId(meterId, seq),
    type: 'ReadingRecorded',
    data: {
      ...{ seq, registerWh: 1_000 * seq, readAt: at, signature: 'ab'.repeat(64) },
      ...{ runId: null, requestId: null, receivedAt: at },
    },
    metadata: { commandId: `reading/${meterId}/${seq}`, actor: 'system:gateway-bench', at },
  };
}

interface Variant {
  name: string;
  database: TestDatabase;
  db: SqlDatabase;
  store: EventStore;
  revision: number[];
  next: number;
  postgresUs: number[];
}

async function openVariant(name: string, setup: string | null): Promise<Variant> {
  const database = await createTestDatabase('bench_heads');
  const db = postgresDatabase(database.url);
  await migrate(db);
  if (setup) await db.query(setup);
  const store = openPostgresEventStore(db);
  const revision = new Array<number>(STREAMS).fill(-1);
  return { name, database, db, store, revision, next: 0, postgresUs: [] };
}

async function commitOnce(v: Variant): Promise<void> {
  const appends: StreamAppend[] = [];
  for (let k = 0; k < BATCH; k++) {
    const m = v.next++ % STREAMS;
    const revision = v.revision[m]!;
    appends.push({
      stream: `meter-m${m}`,
      events: [readingEvent(`m${m}`, revision + 2)],
      expectedRevision: revision === -1 ? 'no_stream' : revision,
    });
    v.revision[m] = revision + 1;
  }
  for (const outcome of await v.store.appendMany(appends)) if (!outcome.ok) throw outcome.error;
}

async function run(v: Variant, commits: number): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (started++ < commits) await commitOnce(v);
    }),
  );
}

async function main(): Promise<void> {
  const variants = [
    await openVariant('halfFreePages', null),
    await openVariant('fullPages', 'ALTER TABLE streams RESET (fillfactor)'),
  ];
  try {
    // Every stream created and every statement planned before measuring.
    for (const v of variants) await run(v, Math.ceil(STREAMS / BATCH) * 2);
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) {
        const postgres = await samplePostgresCpu(v.db);
        await run(v, COMMITS_PER_ROUND);
        v.postgresUs.push(((await postgres()).backends / (COMMITS_PER_ROUND * BATCH)) * 1e6);
        log(`round ${round} ${v.name}: postgres ${v.postgresUs.at(-1)!.toFixed(1)} µs/event`);
      }
    }
    // Table statistics reach the views up to a second after the transactions.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const results: Record<string, object> = {};
    for (const v of variants) {
      const { rows } = await v.db.query<{ upd: number; hot: number; kb: number }>(
        `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot,
                pg_total_relation_size('streams') / 1024 AS kb
         FROM pg_stat_user_tables WHERE relname = 'streams'`,
      );
      const { upd, hot, kb } = rows[0]!;
      results[v.name] = {
        postgresUsPerEvent: Math.round(median(v.postgresUs) * 10) / 10,
        postgresUsPerEventByRound: v.postgresUs.map((us) => Math.round(us)),
        hotUpdatePct: Math.round((Number(hot) / Math.max(1, Number(upd))) * 1000) / 10,
        streamsTableKb: Number(kb),
      };
    }
    console.log(
      JSON.stringify({
        ...{ streams: STREAMS, batch: BATCH, inFlight: IN_FLIGHT, rounds: ROUNDS },
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
