// /ready beyond the event store, on real Postgres and Redis: ready with a
// report per check; 503 with READ_DB_UNAVAILABLE when the read database is
// gone, REDIS_UNAVAILABLE when Redis is, PROJECTION_FAILING when a read
// model's runner keeps failing, PROJECTION_BEHIND past the lag bound; and the
// gateway's own server (ledger gateway) answering STORE_UNAVAILABLE when its
// store does not.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { postgresDatabase } from '../../src/db/postgres.ts';
import { openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import { buildOpsServer } from '../../src/ops/ops-server.ts';
import { ProjectionFailures, projectionLagSource } from '../../src/ops/projection-lag.ts';
import {
  projectionsCheck,
  readDbCheck,
  redisCheck,
  type ReadinessCheck,
} from '../../src/ops/readiness.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import type { Projection } from '../../src/projections/types.ts';
import { buildApp } from '../../src/web/app.ts';
import { installMeter } from '../iot/ingest-world.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let db: PostgresTestStore;
const closeLater: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  db = await createPostgresTestStore();
  await installMeter(db.store, 'R-1');
});
afterAll(async () => {
  for (const close of closeLater.reverse()) await close().catch(() => undefined);
  await db?.close();
});

const appWith = async (checks: ReadinessCheck[]): Promise<FastifyInstance> => {
  const app = await buildApp({
    store: db.store,
    logLevel: 'silent',
    health: { checks, timeoutMs: 5_000 },
  });
  closeLater.push(() => app.close());
  return app;
};

const ready = async (app: FastifyInstance) => {
  const response = await app.inject({ method: 'GET', url: '/ready' });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
};

/** A read model whose handler fails on every event, like one hitting a bad row. */
const broken: Projection = {
  name: 'broken_for_test',
  version: 1,
  schemaSql: 'CREATE TABLE broken_for_test (id text PRIMARY KEY)',
  tables: ['broken_for_test'],
  handlers: {},
  everyEvent: () => Promise.reject(new Error('cannot apply')),
};

describe('/ready', () => {
  it('is ready when the read db, Redis and every read model are, and reports each', async () => {
    const redis = new Redis(REDIS_URL);
    closeLater.push(() => redis.quit());
    const projections = await startProjections({ store: db.store, readDb: db.db });
    closeLater.push(() => projections.stop());
    const head = await db.store.headPosition();
    expect(await projections.waitFor(head!, { timeoutMs: 10_000 })).toBe(true);
    const lag = projectionLagSource({
      store: db.store,
      readDb: db.db,
      projections: projections.runners.map((r) => r.name),
    });
    const app = await appWith([
      readDbCheck(db.db),
      redisCheck(redis),
      projectionsCheck(lag, 30_000),
    ]);
    const { status, body } = await ready(app);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ready',
      store: 'postgres',
      checks: {
        readDb: 'ok',
        redis: 'ok',
        projections: { readings: { lagMs: 0, failing: false } },
      },
    });
    expect(Object.keys(body.checks as object)).toEqual(['readDb', 'redis', 'projections']);
  });

  it('answers 503 READ_DB_UNAVAILABLE when the read database is unreachable', async () => {
    const readDb = postgresDatabase(db.database.url, 1);
    await readDb.query('SELECT 1');
    await readDb.close();
    const app = await appWith([readDbCheck(readDb)]);
    const { status, body } = await ready(app);
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: 503,
      code: 'READ_DB_UNAVAILABLE',
      checks: { readDb: 'unavailable' },
    });
  });

  it('answers 503 REDIS_UNAVAILABLE when Redis does not answer', async () => {
    const redis = new Redis(REDIS_URL);
    await redis.ping();
    await redis.quit();
    const app = await appWith([readDbCheck(db.db), redisCheck(redis)]);
    const { status, body } = await ready(app);
    expect(status).toBe(503);
    expect(body).toMatchObject({
      code: 'REDIS_UNAVAILABLE',
      checks: { readDb: 'ok', redis: 'unavailable' },
    });
  });

  it('answers 503 PROJECTION_FAILING while a read model runner keeps failing', async () => {
    const failures = new ProjectionFailures();
    const projections: RunningProjections = await startProjections({
      store: db.store,
      readDb: db.db,
      projections: [broken],
      onError: (_, name) => failures.failed(name),
      onCommit: (name) => failures.committed(name),
    });
    closeLater.push(() => projections.stop());
    for (let i = 0; i < 100 && !failures.has(broken.name); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failures.has(broken.name)).toBe(true);
    const lag = projectionLagSource({
      store: db.store,
      readDb: db.db,
      projections: [broken.name],
      failures,
    });
    const app = await appWith([projectionsCheck(lag, 60 * 60_000)]);
    const { status, body } = await ready(app);
    expect(status).toBe(503);
    expect(body).toMatchObject({
      code: 'PROJECTION_FAILING',
      checks: { projections: { broken_for_test: { failing: true } } },
    });
  });

  it('answers 503 PROJECTION_BEHIND when a read model is further behind than the bound', async () => {
    // Nothing runs this read model, so it stands behind the first event in the log.
    const lag = projectionLagSource({
      store: db.store,
      readDb: db.db,
      projections: ['never_started'],
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const app = await appWith([projectionsCheck(lag, 10)]);
    const { status, body } = await ready(app);
    expect(status).toBe(503);
    expect(body.code).toBe('PROJECTION_BEHIND');
    const reported = (body.checks as { projections: Record<string, { lagMs: number }> })
      .projections;
    expect(reported.never_started!.lagMs).toBeGreaterThan(10);

    const lenient = await appWith([projectionsCheck(lag, 60 * 60_000)]);
    expect((await ready(lenient)).status).toBe(200);
  });
});

describe("the gateway process's /ready", () => {
  it('answers 503 STORE_UNAVAILABLE, same shape as the web app, once its store is gone', async () => {
    const storeDb = postgresDatabase(db.database.url, 2);
    const store = openPostgresEventStore(storeDb);
    const server = await buildOpsServer({ store, logLevel: 'silent' });
    closeLater.push(() => server.close());
    const up = await ready(server);
    expect(up.status).toBe(200);
    expect(up.body).toEqual({
      status: 'ready',
      store: 'postgres',
      headPosition: await db.store.headPosition(),
    });
    await store.close();
    await storeDb.close();
    const down = await ready(server);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      type: 'about:blank',
      status: 503,
      code: 'STORE_UNAVAILABLE',
      instance: expect.stringMatching(/^urn:request:/) as unknown,
    });
  });
});
