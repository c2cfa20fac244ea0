// Auditor: read-only browsing of the log (all events in log order, or one
// stream, paged) and starting a verification, which replays the log through
// every audit check (src/audit) and answers with the report. One verification
// runs at a time per process; personal data stays sealed throughout.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditReport } from '../../audit/run-audit.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { requireRole } from '../auth-guard.ts';
import { ProblemError } from '../problem.ts';
import { instant, int, ok } from './api-support.ts';

const auditor = requireRole('auditor', 'superuser');

const eventSchema = z.object({
  id: z.string(),
  stream: z.string(),
  revision: int,
  position: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
  recordedAt: instant,
  prevHash: z.string(),
  hash: z.string(),
});

const page = z.object({ events: z.array(eventSchema), next: z.string().nullable() });

const reportSchema = z.object({
  ok: z.boolean(),
  store: z.string(),
  eventsReplayed: int,
  checks: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      ok: z.boolean(),
      checked: int,
      failures: z.array(z.object({ stream: z.string(), revision: int, reason: z.string() })),
      notes: z.array(z.string()),
    }),
  ),
});

const limit = z.coerce.number().int().min(1).max(500).default(100);

export async function auditorRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  let running: Promise<AuditReport> | null = null;

  app.get(
    '/api/auditor/events',
    {
      preValidation: auditor,
      schema: {
        tags: ['auditor'],
        querystring: z.strictObject({ after: z.string().max(100).optional(), limit }),
        response: ok(page),
      },
    },
    async (request) => {
      const { after, limit: n } = request.query;
      const events: RecordedEvent[] = await app.store.readAll(
        after === undefined ? { limit: n } : { after, limit: n },
      );
      return { events, next: events.length === n ? events.at(-1)!.position : null };
    },
  );

  app.get(
    '/api/auditor/streams/:stream',
    {
      preValidation: auditor,
      schema: {
        tags: ['auditor'],
        params: z.object({ stream: z.string().regex(/^[A-Za-z0-9_.:+=~-]{1,200}$/) }),
        querystring: z.strictObject({
          fromRevision: z.coerce.number().int().min(0).default(0),
          limit,
        }),
        response: ok(page),
      },
    },
    async (request) => {
      const { fromRevision, limit: n } = request.query;
      const events = await app.store.readStream(request.params.stream, { fromRevision, limit: n });
      return { events, next: events.length === n ? String(events.at(-1)!.revision + 1) : null };
    },
  );

  app.post(
    '/api/auditor/verifications',
    { preValidation: auditor, schema: { tags: ['auditor'], response: ok(reportSchema) } },
    async () => {
      const run = app.api.runAudit;
      if (!run) throw new ProblemError(503, 'AUDIT_UNAVAILABLE', 'Verification is not available.');
      if (running) throw new ProblemError(409, 'AUDIT_RUNNING', 'A verification is running.');
      running = run();
      try {
        return await running;
      } finally {
        running = null;
      }
    },
  );
}
