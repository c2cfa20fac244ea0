// Event store benchmark (`npm run bench:store`): appends and reads back on a
// fresh Postgres database (TEST_DATABASE_URL's server) and on in-memory PGlite.
// Besides the port's operations it times the obvious alternative to the
// `unnest` batch insert, one INSERT statement per row, on the same schema.
// Progress goes to stderr; the last stdout line is one JSON object.

import os from 'node:os';
import { pgliteDatabase } from '../src/db/pglite.ts';
import { postgresDatabase } from '../src/db/postgres.ts';
import type { SqlDatabase } from '../src/db/sql.ts';
import { eventHash, GENESIS_HASH } from '../src/eventstore/integrity.ts';
import type { EventStore, NewEvent } from '../src/eventstore/port.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { readingEvent } from './support/reading-event.ts';

// BENCH_SCALE=0.1 for a quick run; 1 is what docs/benchmarks.md reports.
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const scaled = (n: number) => Math.max(1, Math.round(n * SCALE));
const log = (message: string) => process.stderr.write(`${message}\n`);

async function timed(label: string, events: number, run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSec = Math.round(events / seconds);
  log(`  ${label}: ${events} events in ${seconds.toFixed(2)} s = ${perSec}/s`);
  return perSec;
}

/** The alternative to `unnest`: same lock and hash chain, one INSERT per event. */
async function appendRowPerStatement(db: SqlDatabase, stream: string, events: NewEvent[]) {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO streams (stream, revision, last_hash) VALUES ($1, -1, $2)
       ON CONFLICT (stream) DO UPDATE SET revision = streams.revision`,
      [stream, GENESIS_HASH],
    );
    const { rows } = await tx.query<{ revision: number; last_hash: string }>(
      'SELECT revision, last_hash FROM streams WHERE stream = $1 FOR UPDATE',
      [stream],
    );
    let revision = Number(rows[0]!.revision);
    let prevHash = rows[0]!.last_hash;
    for (const event of events) {
      revision += 1;
      const metadata = event.metadata ?? {};
      const hash = eventHash(prevHash, { stream, revision, ...event, metadata });
      await tx.query(
        `INSERT INTO events (stream, revision, id, type, data, metadata, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          stream,
          revision,
          event.id,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(metadata),
          prevHash,
          hash,
        ],
      );
      prevHash = hash;
    }
    await tx.query('UPDATE streams SET revision = $2, last_hash = $3 WHERE stream = $1', [
      stream,
      revision,
      prevHash,
    ]);
  });
}

async function benchStore(
  name: string,
  db: SqlDatabase,
  sizes: { single: number; batches: number },
) {
  await migrate(db);
  const store: EventStore = openPostgresEventStore(db);
  log(`${name}:`);
  let seq = 0;

  const appendSinglePerSec = await timed('append 1 event per append', sizes.single, async () => {
    for (let i = 0; i < sizes.single; i++) {
      await store.append(`meter-${i % 10}`, [readingEvent(i % 10, seq++)]);
    }
  });
  const batchEvents = sizes.batches * 100;
  const appendBatch100PerSec = await timed(
    'append batches of 100 (unnest)',
    batchEvents,
    async () => {
      for (let b = 0; b < sizes.batches; b++) {
        const meter = 100 + (b % 20);
        await store.append(
          `meter-${meter}`,
          Array.from({ length: 100 }, () => readingEvent(meter, seq++)),
        );
      }
    },
  );
  const concurrentBatches = Math.max(4, Math.round(sizes.batches / 4) * 4);
  const appendBatch100x4WritersPerSec = await timed(
    'append batches of 100, 4 concurrent writers',
    concurrentBatches * 100,
    async () => {
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let b = 0; b < concurrentBatches / 4; b++) {
            const meter = 300 + w;
            await store.append(
              `meter-${meter}`,
              Array.from({ length: 100 }, () => readingEvent(meter, seq++)),
            );
          }
        }),
      );
    },
  );
  const rowBatches = scaled(sizes.batches / 5);
  const rowPerStatementBatch100PerSec = await timed(
    'append batches of 100 (row per INSERT, for comparison)',
    rowBatches * 100,
    async () => {
      for (let b = 0; b < rowBatches; b++) {
        const meter = 200 + (b % 20);
        const events = Array.from({ length: 100 }, () => readingEvent(meter, seq++));
        await appendRowPerStatement(db, `meter-${meter}`, events);
      }
    },
  );
  const groupCommitEvents = scaled(sizes.batches / 2) * 100;
  const appendMany100StreamsPerSec = await timed(
    'appendMany, 100 streams x 1 event per transaction',
    groupCommitEvents,
    async () => {
      for (let b = 0; b < groupCommitEvents / 100; b++) {
        await store.appendMany(
          Array.from({ length: 100 }, (_, m) => ({
            stream: `meter-${1000 + m}`,
            events: [readingEvent(1000 + m, seq++)],
          })),
        );
      }
    },
  );

  const total =
    sizes.single + batchEvents + concurrentBatches * 100 + rowBatches * 100 + groupCommitEvents;
  const readAllPerSec = await timed('readAll in pages of 1000', total, async () => {
    let after: string | undefined;
    let read = 0;
    for (;;) {
      const page = await store.readAll(
        after === undefined ? { limit: 1000 } : { after, limit: 1000 },
      );
      read += page.length;
      if (page.length < 1000) break;
      after = page[page.length - 1]!.position;
    }
    if (read !== total) throw new Error(`read ${read} events, expected ${total}`);
  });
  const subscribeCatchUpPerSec = await timed(
    'subscribe: catch up from the start',
    total,
    async () => {
      let delivered = 0;
      const subscription = store.subscribe({
        batchSize: 1000,
        handler: async (events) => {
          delivered += events.length;
        },
      });
      await subscription.caughtUp;
      await subscription.stop();
      if (delivered !== total) throw new Error(`delivered ${delivered} events, expected ${total}`);
    },
  );
  await store.close();
  return {
    appendSinglePerSec,
    appendBatch100PerSec,
    appendBatch100x4WritersPerSec,
    rowPerStatementBatch100PerSec,
    appendMany100StreamsPerSec,
    readAllPerSec,
    subscribeCatchUpPerSec,
    events: total,
  };
}

// The machine is shared; the load average says how much of it the run had.
const loadAtStart = os.loadavg()[0]!;
const database = await createTestDatabase('bench');
const pgDb = postgresDatabase(database.url);
let postgres;
try {
  const { rows } = await pgDb.query<{ fsync: string }>('SHOW fsync');
  const { rows: sync } = await pgDb.query<{ synchronous_commit: string }>(
    'SHOW synchronous_commit',
  );
  const { rows: version } = await pgDb.query<{ server_version: string }>('SHOW server_version');
  postgres = {
    ...(await benchStore('postgres', pgDb, { single: scaled(2000), batches: scaled(1000) })),
    fsync: rows[0]!.fsync,
    synchronousCommit: sync[0]!.synchronous_commit,
    serverVersion: version[0]!.server_version,
  };
} finally {
  await pgDb.close();
  await database.drop();
}

const liteDb = await pgliteDatabase();
let pglite;
try {
  pglite = await benchStore('pglite (in memory)', liteDb, {
    single: scaled(2000),
    batches: scaled(300),
  });
} finally {
  await liteDb.close();
}

const machine = {
  cpus: os.cpus().length,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  loadAvg1mAtStart: Number(loadAtStart.toFixed(2)),
  loadAvg1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
};
process.stdout.write(`${JSON.stringify({ postgres, pglite, machine, scale: SCALE })}\n`);
