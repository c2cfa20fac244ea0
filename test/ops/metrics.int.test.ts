// GET /metrics after real traffic: HTTP requests through the app (labelled by
// route pattern, never the raw URL), readings over a real WebSocket to a
// gateway on real Postgres (ingested, rejected by reason, verification and
// group-commit histograms, connected meters), read-model lag from running
// projections, and Node's default metrics. Access: token, open, or off.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { runGateway, type RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { createMetrics, type Metrics } from '../../src/ops/metrics.ts';
import { billRunProgressSource } from '../../src/ops/bill-runs.ts';
import { ProjectionFailures, projectionLagSource } from '../../src/ops/projection-lag.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import { buildApp } from '../../src/web/app.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import { gatewayKey, identityOf, installMeter, readingOf } from '../iot/ingest-world.ts';
import { WsMeter } from '../iot/ws-meter.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';

let db: PostgresTestStore;
let metrics: Metrics;
let app: FastifyInstance;
let gateway: RunningGateway;
let projections: RunningProjections;

beforeAll(async () => {
  db = await createPostgresTestStore();
  metrics = createMetrics();
  await installMeter(db.store, 'M-1');
  // Wired the way serve.ts does it: the observer and the connected-meters source.
  gateway = await runGateway(
    { gatewayId: 'gw-1', gatewayPrivateKey: gatewayKey, billRuns: false, flushIntervalMs: 5 },
    { store: db.store, verifier: inlineVerifier(), observer: metrics.gateway },
  );
  metrics.watchConnectedMeters(() => gateway.server.connectedMeters().length);
  const failures = new ProjectionFailures();
  projections = await startProjections({
    store: db.store,
    readDb: db.db,
    onError: (_, name) => failures.failed(name),
    onCommit: (name) => failures.committed(name),
  });
  metrics.watchProjections(
    projectionLagSource({
      store: db.store,
      readDb: db.db,
      projections: projections.runners.map((r) => r.name),
      failures,
    }),
  );
  metrics.watchBillRuns(billRunProgressSource(db.db));
  app = await buildApp({
    store: db.store,
    logLevel: 'silent',
    metrics: { metrics, access: { access: 'token', token: TOKEN } },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await gateway?.close();
  await projections?.stop();
  await db?.close();
});

const scrape = async () => {
  const response = await app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.body;
};

/** The value of one sample line, e.g. `name{label="x"}`; undefined when absent. */
const sample = (body: string, series: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('refuses a scrape without the bearer token, and with a wrong one', async () => {
    const none = await app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const wrong = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN.replace(/.$/, 'x')}` },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('http_request_duration_seconds');
  });

  it('labels HTTP latency by route pattern, method and status class, never the raw URL', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/health?probe=1' });
    await app.inject({ method: 'GET', url: '/no-such-page/person-4711-secret' });
    const body = await scrape();
    expect(
      sample(
        body,
        'http_request_duration_seconds_count{method="GET",route="/health",status_class="2xx"}',
      ),
    ).toBe(2);
    expect(body).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched"/);
    expect(body).not.toContain('person-4711');
    expect(body).not.toContain('probe=1');
  });

  it('counts readings ingested and rejected by reason, with verify and commit histograms', async () => {
    const meter = await WsMeter.connect(`${gateway.url!}`, identityOf('M-1'));
    const before = await scrape();
    expect(sample(before, 'meters_connected')).toBe(1);
    for (const seq of [1, 2, 3]) meter.send(meter.session.sealReading(readingOf('M-1', seq)).frame);
    await meter.until((e) => e.type === 'ack' && e.seq === 3);
    meter.send(meter.session.sealReading(readingOf('M-1', 2)).frame);
    await meter.until((e) => e.type === 'rejected' && e.refSeq === 2);

    const body = await scrape();
    expect(sample(body, 'meter_readings_ingested_total')).toBe(3);
    expect(sample(body, 'meter_readings_rejected_total{reason="REPLAYED_SEQ"}')).toBe(1);
    // The handshake's signature and four readings'.
    expect(sample(body, 'meter_signature_verify_seconds_count')).toBe(5);
    const commits = sample(body, 'ingest_append_batch_readings_count')!;
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'ingest_append_batch_readings_sum')).toBe(3);
    expect(sample(body, 'ingest_append_commit_seconds_count')).toBe(commits);
    meter.close();
    await meter.closed;
  });

  it('reports read-model lag per projection, bill-run gauges and Node default metrics', async () => {
    await projections.caughtUp;
    const { waitFor } = projections;
    const head = await db.store.headPosition();
    expect(await waitFor(head!, { timeoutMs: 10_000 })).toBe(true);
    const body = await scrape();
    for (const name of projections.runners.map((r) => r.name)) {
      expect(sample(body, `projection_lag_seconds{projection="${name}"}`)).toBe(0);
      expect(sample(body, `projection_failing{projection="${name}"}`)).toBe(0);
    }
    expect(body).toContain('# TYPE bill_run_meters gauge');
    expect(body).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(body).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });
});

describe('metrics access', () => {
  it('has no /metrics route unless enabled, and serves it openly when METRICS_ENABLED', async () => {
    const off = await buildApp({
      store: db.store,
      logLevel: 'silent',
      metrics: { metrics: createMetrics({ defaultMetrics: false }), access: { access: 'off' } },
    });
    const open = await buildApp({
      store: db.store,
      logLevel: 'silent',
      metrics: { metrics: createMetrics({ defaultMetrics: false }), access: { access: 'open' } },
    });
    try {
      expect((await off.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      const served = await open.inject({ method: 'GET', url: '/metrics' });
      expect(served.statusCode).toBe(200);
      expect(served.body).toContain('# TYPE meter_readings_ingested_total counter');
    } finally {
      await off.close();
      await open.close();
    }
  });
});
