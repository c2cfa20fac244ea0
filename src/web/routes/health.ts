// Liveness and readiness for load balancers and orchestrators: /health says
// the process is up (no IO, so it stays cheap under load); /ready says it can
// do useful work, i.e. the event store answers within a deadline.

import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../problem.ts';

const READY_TIMEOUT_MS = 2_000;

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'instance'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
} as const;

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/health',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['status', 'uptimeSeconds'],
            properties: {
              status: { type: 'string', enum: ['ok'] },
              uptimeSeconds: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => ({ status: 'ok', uptimeSeconds: Math.floor(process.uptime()) }),
  );

  app.get(
    '/ready',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['status', 'store', 'headPosition'],
            properties: {
              status: { type: 'string', enum: ['ready'] },
              store: { type: 'string' },
              headPosition: { type: ['string', 'null'] },
            },
          },
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      try {
        const headPosition = await withTimeout(app.store.headPosition(), READY_TIMEOUT_MS);
        return { status: 'ready', store: app.store.kind, headPosition };
      } catch (error) {
        // Logged for the operator; the probe only needs to know it is not ready.
        request.log.warn({ err: error }, 'readiness check failed: event store did not answer');
        return sendProblem(reply, {
          status: 503,
          code: 'STORE_UNAVAILABLE',
          detail: 'The event store did not answer.',
        });
      }
    },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
