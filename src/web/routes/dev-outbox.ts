// GET /api/dev/outbox: the emails and SMS that went to the dev outbox, newest
// first. Registered only outside production (app.ts checks), because it shows
// one-time codes and links in clear.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DevOutbox } from '../../notify/index.ts';

const entrySchema = z.object({
  channel: z.enum(['email', 'sms']),
  at: z.string(),
  to: z.string(),
  subject: z.string().optional(),
  text: z.string(),
  html: z.string().optional(),
});

export async function devOutboxRoutes(root: FastifyInstance, opts: { outbox: DevOutbox }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/dev/outbox',
    {
      schema: {
        tags: ['dev'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ entries: z.array(entrySchema) }) },
      },
    },
    async (request) => ({ entries: await opts.outbox.list(request.query.limit) }),
  );
}
