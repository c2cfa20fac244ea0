// `ledger serve`: composes the whole server. Opens the configured event store
// (PGlite under DATA_DIR by default), whose SQL database also holds the read
// models and the vault; the key-value store (Redis or in-process) and the
// notifier (SMTP/SMS or the dev outbox); starts the projection runners, the
// checkpointer (signed Merkle checkpoints) and, when GATEWAY_ID names a
// registered gateway, the meter gateway on the same HTTP server; the demo
// data set and its simulated meters unless `--no-demo` (src/cli/demo.ts);
// then serves the API, with /ready checking the read db, Redis and read-model
// lag, and /metrics when configured (src/ops). On SIGINT/SIGTERM the gateway
// drains first, then everything closes in reverse order, within
// SHUTDOWN_TIMEOUT_MS.

import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { startCheckpointer, type Checkpointer } from '../audit/checkpointer.ts';
import { loadLedgerKey } from '../audit/ledger-key.ts';
import { runAudit } from '../audit/run-audit.ts';
import { loadWebConfig, type Config } from '../config.ts';
import { openEventStore } from '../eventstore/open.ts';
import { runGateway, type RunningGateway } from '../iot/gateway/run-gateway.ts';
import { billRunProgressSource } from '../ops/bill-runs.ts';
import { loadOpsConfig } from '../ops/config.ts';
import { createMetrics, type Metrics } from '../ops/metrics.ts';
import { ProjectionFailures, projectionLagSource } from '../ops/projection-lag.ts';
import { projectionsCheck, readDbCheck, redisCheck } from '../ops/readiness.ts';
import { paymentProvidersFromEnv } from '../payments/config.ts';
import { startProjections } from '../projections/index.ts';
import { buildApp } from '../web/app.ts';
import { openAuthDeps } from '../web/deps.ts';
import { listen, shutdownOnSignals } from '../web/server.ts';
import { readGatewayKey } from './gateway.ts';
import { demoOptions, prepareServeDemo } from './demo.ts';
import { action } from './run.ts';
import { eventStoreConfig } from './store.ts';

const CHECKPOINT_EVERY_EVENTS = 10_000;
const CHECKPOINT_EVERY_MS = 60_000;

export function serveCommand(): Command {
  const command = demoOptions(new Command('serve').description('start the HTTP server'));
  return command.action(
    action(async (config, options: { demo?: boolean }) => {
      const release: (() => Promise<void>)[] = [];
      // Closes whatever opened so far, newest first.
      const closeAll = async () => {
        for (const step of release.reverse()) await step().catch(() => undefined);
      };
      let app: FastifyInstance | undefined;
      const ops = loadOpsConfig();
      const metrics = createMetrics();
      const failures = new ProjectionFailures();
      try {
        const opened = await openEventStore(eventStoreConfig(config));
        release.push(opened.close);
        const web = loadWebConfig();
        const authDeps = await openAuthDeps(config, web, opened.db);
        release.push(authDeps.close);
        const { store, db: readDb } = opened;

        const projections = await startProjections({
          store,
          readDb,
          onError: (error, name) => {
            failures.failed(name);
            app?.log.error({ err: error, projection: name }, 'projection failed');
          },
          onCommit: (name) => failures.committed(name),
        });
        release.push(projections.stop);
        const projectionLag = projectionLagSource({
          store,
          readDb,
          projections: projections.runners.map((r) => r.name),
          failures,
        });
        metrics.watchProjections(projectionLag);
        metrics.watchBillRuns(billRunProgressSource(readDb));

        const payments = paymentProvidersFromEnv(process.env, {
          kv: authDeps.auth.kv,
          publicUrl: authDeps.auth.publicUrl,
          nodeEnv: config.nodeEnv,
        });
        app = await buildApp({
          store,
          logLevel: config.logLevel,
          auth: authDeps.auth,
          api: {
            readDb,
            waitFor: projections.waitFor,
            payments,
            runAudit: (options) => runAudit({ store, db: readDb }, options),
            // With Postgres, verification jobs run in a worker thread with connections of their own.
            auditWorker: config.databaseUrl
              ? { databaseUrl: config.databaseUrl, kurrentdbUrl: config.kurrentdbUrl }
              : undefined,
          },
          metrics: { metrics, access: ops.metrics },
          health: {
            checks: [
              readDbCheck(readDb),
              ...(authDeps.auth.redis ? [redisCheck(authDeps.auth.redis)] : []),
              projectionsCheck(projectionLag, ops.maxProjectionLagMs),
            ],
          },
        });
        const log = app.log;

        const checkpointer = await startLedgerCheckpointer(config, store, (error) =>
          log.error({ err: error }, 'checkpoint failed'),
        );
        if (checkpointer) release.push(() => checkpointer.stop());
        else log.warn('no ledger signing key: checkpoints are not being signed');

        const gateway = await startEmbeddedGateway(app, store, metrics);
        // Before the HTTP server closes: meter sockets would otherwise hold it open.
        if (gateway) app.addHook('preClose', () => gateway.close());
        const demo = await prepareServeDemo(
          options.demo,
          config,
          { store, ...authDeps.auth },
          app,
          gateway !== null,
          metrics,
        );
        if (demo) app.addHook('preClose', () => demo.close());

        // The app closes first (no new requests), then the rest newest first.
        shutdownOnSignals(app, { release: [closeAll], timeoutMs: ops.shutdownTimeoutMs });
        const url = await listen(app, { port: config.port, host: config.host });
        await authDeps.handOver();
        log.info(
          {
            url,
            store: store.kind,
            gateway: gateway ? 'in-process' : 'none',
            payments: payments.map((p) => p.name),
          },
          'ledger is serving',
        );
        await demo?.start(url);
      } catch (error) {
        await app?.close();
        await closeAll();
        throw error;
      }
    }),
  );
}

async function startLedgerCheckpointer(
  config: Config,
  store: Parameters<typeof startCheckpointer>[0]['store'],
  onError: (error: unknown) => void,
): Promise<Checkpointer | null> {
  const key = await loadLedgerKey({
    env: process.env,
    dataDir: config.dataDir,
    nodeEnv: config.nodeEnv,
  }).catch(() => null);
  if (key === null) return null;
  return startCheckpointer({
    store,
    key,
    everyEvents: CHECKPOINT_EVERY_EVENTS,
    everyMs: CHECKPOINT_EVERY_MS,
    onError,
  });
}

/**
 * The meter gateway on the app's own HTTP server (WebSocket upgrade), when
 * GATEWAY_ID and GATEWAY_KEY_FILE name a gateway registered in inventory and
 * its key (`ledger gateway --init-key` makes one).
 */
async function startEmbeddedGateway(
  app: FastifyInstance,
  store: Parameters<typeof runGateway>[1]['store'],
  metrics: Metrics,
): Promise<RunningGateway | null> {
  const gatewayId = process.env.GATEWAY_ID;
  const keyFile = process.env.GATEWAY_KEY_FILE;
  if (!gatewayId || !keyFile) {
    app.log.info('no in-process gateway (set GATEWAY_ID and GATEWAY_KEY_FILE to run one)');
    return null;
  }
  const gateway = await runGateway(
    { gatewayId, gatewayPrivateKey: await readGatewayKey(keyFile), server: app.server },
    {
      store,
      observer: metrics.gateway,
      onError: (error) => app.log.error({ err: error }, 'gateway error'),
    },
  );
  metrics.watchConnectedMeters(() => gateway.server.connectedMeters().length);
  return gateway;
}
