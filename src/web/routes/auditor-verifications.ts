// Verification as a background job (src/audit/jobs.ts). POST starts one and
// answers 202 with the job at once (or the job already running on any
// instance: one at a time); GET .../:id gives its status and, once done, the
// report; GET .../:id/events streams its progress as server-sent events
// (`progress` on each change, then `done` with the report, then the stream
// ends), each job encoded by the same schema as the GET answer. Jobs are rows
// in the read-model database, so any instance answers for a job another one
// runs. The run goes to a worker thread when `api.auditWorker` says where it
// can connect (Postgres), else to this process's loop through `api.runAudit`
// (PGlite). Auditors and superusers only.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { countLogEvents } from '../../audit/job-run.ts';
import { inProcessRunner, workerRunner, type JobRunner } from '../../audit/job-runners.ts';
import { createAuditJobs, type AuditJob } from '../../audit/jobs.ts';
import { requireRole } from '../auth-guard.ts';
import { eventStreams } from '../live/sse.ts';
import { ProblemError } from '../problem.ts';
import { verificationJobSchema as jobSchema } from '../schemas/audit.ts';
import { notFound, ok, problems } from './api-support.ts';

const auditor = requireRole('auditor', 'superuser');

// Any string is looked up (and unknown ones are 404), so a mistyped id reads as "no such job".
const jobParams = z.object({ id: z.string().max(100) });

export async function verificationRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  let closing = false;
  const runner = jobRunner(app);
  const jobs = runner
    ? await createAuditJobs({
        db: app.api.readDb,
        runner,
        onError: (error) => {
          // A store closed under a running job at shutdown is expected.
          if (!closing) app.log.error({ err: error }, 'verification failed');
        },
      })
    : null;
  const openStream = eventStreams(app);
  app.addHook('preClose', async () => {
    closing = true;
    await jobs?.close();
  });

  const job = async (id: string): Promise<AuditJob> => {
    const found = await jobs?.get(id);
    if (!found) throw notFound('verification');
    return found;
  };

  app.post(
    '/api/auditor/verifications',
    {
      preValidation: auditor,
      schema: { tags: ['auditor'], response: { 202: jobSchema, ...problems } },
    },
    async (request, reply) => {
      if (!jobs) throw new ProblemError(503, 'AUDIT_UNAVAILABLE', 'Verification is not available.');
      const { job: started } = await jobs.start(request.actor!.accountId);
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
    async (request, reply) => {
      const known = await job(request.params.id);
      const stream = openStream(request, reply);
      const stop = await jobs!.follow(known.id, (current) => {
        // Through the GET answer's schema, so the stream sends the same shape or nothing.
        const wire = jobSchema.safeEncode(current);
        if (!wire.success) {
          request.log.error({ err: wire.error }, 'verification job does not fit its schema');
          return stream.end();
        }
        const finished = current.finishedAt !== null;
        stream.send(finished ? 'done' : 'progress', wire.data);
        if (finished) setImmediate(() => stream.end());
      });
      if (stop) stream.onClose(stop);
      else stream.end();
    },
  );
}

/** A worker thread when the deployment says where it can connect; else this loop; else none. */
function jobRunner(app: FastifyInstance): JobRunner | null {
  const { auditWorker, runAudit, readDb } = app.api;
  if (auditWorker) return workerRunner(auditWorker);
  if (!runAudit) return null;
  return inProcessRunner({
    run: runAudit,
    countEvents: () => countLogEvents({ store: app.store, db: readDb }),
  });
}
