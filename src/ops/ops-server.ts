// The HTTP server of a process that serves no API, `ledger gateway`: /health,
// /ready (event store reachable, same JSON as the web app's) and, when
// configured, /metrics. The meter WebSocket endpoint attaches to its server,
// so one port carries both, as in `ledger serve`.

import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { LogLevel } from '../config.ts';
import type { EventStore } from '../eventstore/port.ts';
import { installProblemHandlers } from '../web/problem.ts';
import { healthRoutes, type HealthOptions } from '../web/routes/health.ts';
import { installHttpMetrics, type HttpMetricsOptions } from './http.ts';
import { LOG_REDACT } from './logging.ts';

export interface OpsServerOptions {
  store: EventStore;
  logLevel: LogLevel;
  metrics?: HttpMetricsOptions;
  health?: HealthOptions;
}

export async function buildOpsServer(options: OpsServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel, redact: LOG_REDACT },
    // Probes every few seconds would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    // While draining, probes get 503 and idle keep-alive sockets are dropped.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  installProblemHandlers(app);
  app.decorate('store', options.store);
  if (options.metrics) installHttpMetrics(app, options.metrics);
  await app.register(healthRoutes, options.health ?? {});
  return app;
}
