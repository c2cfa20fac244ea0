// The HTTP side of operations: a latency observation for every answered
// request (labelled with the route pattern, so /api/bills/:billId is one
// series however many bills there are) and `GET /metrics` in Prometheus text
// format, served only when configured: open (METRICS_ENABLED=true, for a
// private network) or behind a bearer token (METRICS_TOKEN).

import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../web/problem.ts';
import type { OpsConfig } from './config.ts';
import type { Metrics } from './metrics.ts';

export interface HttpMetricsOptions {
  metrics: Metrics;
  access: OpsConfig['metrics'];
}

/** Call on the root instance before routes register, so every route is observed. */
export function installHttpMetrics(app: FastifyInstance, options: HttpMetricsOptions): void {
  const { metrics, access } = options;
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  if (access.access === 'off') return;

  const expected = access.access === 'token' ? Buffer.from(`Bearer ${access.token}`) : null;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        void reply.header('www-authenticate', 'Bearer realm="metrics"');
        return sendProblem(reply, {
          status: 401,
          code: 'UNAUTHENTICATED',
          detail: 'A valid metrics bearer token is required.',
        });
      }
    }
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
