// Auditor: read-only browsing of the log (all events in log order, or one
// stream, paged); verifications (replaying the log through every audit check
// as a background job) are in auditor-verifications.ts. Personal data stays
// sealed throughout.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { requireRole } from '../auth-guard.ts';
import { eventPageSchema as page } from '../schemas/audit.ts';
import { ok } from './api-support.ts';
import { verificationRoutes } from './auditor-verifications.ts';

const auditor = requireRole('auditor', 'superuser');

const limit = z.coerce.number().int().min(1).max(500).default(100);

export async function auditorRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();

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

  await app.register(verificationRoutes);
}
