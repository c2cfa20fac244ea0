// Liveness and readiness for load balancers and orchestrators: /health says
// the process is up (no IO, so it stays cheap under load); /ready says it can
// do useful work: the event store answers within a deadline, and so does
// every extra check the process registered (read db, Redis, read-model lag;
// src/ops/readiness.ts). Without extra checks the body keeps its original shape.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { NotReady, type ReadinessCheck } from '../../ops/readiness.ts';
import { titleFor } from '../problem.ts';

const READY_TIMEOUT_MS = 2_000;

const anyObject = { type: 'object', additionalProperties: true } as const;

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
    checks: anyObject,
  },
} as const;

export interface HealthOptions {
  /** Run after the event store answered, side by side; the first failing one (in order) decides. */
  checks?: ReadinessCheck[];
  /** Deadline of each check (ms). */
  timeoutMs?: number;
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const checks = options.checks ?? [];
  const timeoutMs = options.timeoutMs ?? READY_TIMEOUT_MS;

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
              checks: anyObject,
            },
          },
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      let headPosition: string | null;
      try {
        headPosition = await withTimeout(app.store.headPosition(), timeoutMs);
      } catch (error) {
        // Logged for the operator; the probe only needs to know it is not ready.
        request.log.warn({ err: error }, 'readiness check failed: event store did not answer');
        return notReady(reply, 'STORE_UNAVAILABLE', 'The event store did not answer.');
      }
      const ready = { status: 'ready', store: app.store.kind, headPosition };
      if (checks.length === 0) return ready;

      const outcomes = await Promise.allSettled(checks.map((c) => withTimeout(c.run(), timeoutMs)));
      const report: Record<string, unknown> = {};
      let failure: { code: string; detail: string } | undefined;
      outcomes.forEach((outcome, i) => {
        const check = checks[i]!;
        if (outcome.status === 'fulfilled') {
          report[check.name] = outcome.value;
          return;
        }
        const error: unknown = outcome.reason;
        if (error instanceof NotReady) {
          report[check.name] = error.report;
          failure ??= { code: error.code, detail: error.message };
        } else {
          report[check.name] = 'unavailable';
          request.log.warn({ err: error, check: check.name }, 'readiness check failed');
          failure ??= { code: check.code, detail: check.detail };
        }
      });
      if (failure) return notReady(reply, failure.code, failure.detail, report);
      return { ...ready, checks: report };
    },
  );
}

function notReady(
  reply: FastifyReply,
  code: string,
  detail: string,
  checks?: Record<string, unknown>,
): FastifyReply {
  return reply
    .status(503)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: titleFor(503),
      status: 503,
      code,
      detail,
      instance: `urn:request:${reply.request.id}`,
      ...(checks ? { checks } : {}),
    });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
