// Verification as a background job (src/audit/jobs.ts). POST starts one and
// answers 202 with the job at once (or the job already running: one at a time
// per process); GET .../:id gives its status and, once done, the report;
// GET .../:id/events streams its progress as server-sent events (`progress`
// on each change, then `done` with the report, then the stream ends).
// Auditors and superusers only. Jobs live in this process's memory.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { countLogEvents, createAuditJobs, type AuditJob } from '../../audit/jobs.ts';
import { requireRole } from '../auth-guard.ts';
import { eventStreams } from '../live/sse.ts';
import { ProblemError } from '../problem.ts';
import { int, notFound, ok, problems } from './api-support.ts';

const auditor = requireRole('auditor', 'superuser');

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

const jobSchema = z.object({
  id: z.string(),
  status: z.enum(['counting', 'running', 'passed', 'failed', 'error']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  checks: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      done: int,
      total: int,
      state: z.enum(['waiting', 'replaying', 'finishing', 'done']),
      ok: z.boolean().nullable(),
    }),
  ),
  report: reportSchema.nullable(),
  error: z.string().nullable(),
});

// Any string is looked up (and unknown ones are 404), so a mistyped id reads as "no such job".
const jobParams = z.object({ id: z.string().max(100) });

export async function verificationRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  let closing = false;
  const run = app.api.runAudit;
  const jobs = run
    ? createAuditJobs({
        run,
        countEvents: () => countLogEvents((options) => app.store.readAll(options)),
        onError: (error) => {
          // A store closed under a running job at shutdown is expected.
          if (!closing) app.log.error({ err: error }, 'verification failed');
        },
      })
    : null;
  const openStream = eventStreams(app);
  app.addHook('preClose', async () => {
    closing = true;
  });

  const job = (id: string): AuditJob => {
    const found = jobs?.get(id);
    if (!found) throw notFound('verification');
    return found;
  };

  app.post(
    '/api/auditor/verifications',
    {
      preValidation: auditor,
      schema: { tags: ['auditor'], response: { 202: jobSchema, ...problems } },
    },
    async (_request, reply) => {
      if (!jobs) throw new ProblemError(503, 'AUDIT_UNAVAILABLE', 'Verification is not available.');
      const { job: started } = jobs.start();
      return reply
        .status(202)
        .header('location', `/api/auditor/verifications/${started.id}`)
        .send(started);
    },
  );

  app.get(
    '/api/auditor/verifications/:id',
    {
      preValidation: auditor,
      schema: { tags: ['auditor'], params: jobParams, response: ok(jobSchema) },
    },
    async (request) => job(request.params.id),
  );

  app.get(
    '/api/auditor/verifications/:id/events',
    {
      preValidation: auditor,
      schema: { tags: ['auditor'], params: jobParams, produces: ['text/event-stream'] },
    },
    (request, reply) => {
      const known = job(request.params.id);
      const stream = openStream(request, reply);
      const stop = jobs!.follow(known.id, (current) => {
        const finished = current.finishedAt !== null;
        stream.send(finished ? 'done' : 'progress', current);
        if (finished) setImmediate(() => stream.end());
      });
      if (stop) stream.onClose(stop);
    },
  );
}
