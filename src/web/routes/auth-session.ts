// The session itself: GET /api/csrf (a token for state-changing requests),
// POST /api/auth/logout, GET /api/auth/me, and the admin action that disables
// an account and ends every one of its sessions at once.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { disableAccount, readProfile } from '../../commands/accounts.ts';
import { actorOf, requireRole, requireSession } from '../auth-guard.ts';
import { problems } from '../auth-support.ts';
import { clearSessionCookie, commandMetadata } from '../context.ts';
import { profileSchema } from '../schemas/auth.ts';
import { statusSchema } from '../schemas/wire.ts';

export async function sessionRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/csrf',
    { schema: { tags: ['auth'], response: { 200: z.object({ token: z.string() }) } } },
    async (_request, reply) => ({ token: reply.generateCsrf() }),
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], response: { 200: statusSchema('signed-out'), ...problems } } },
    async (request, reply) => {
      if (request.session) await app.sessions.destroy(request.session.id);
      clearSessionCookie(app, reply);
      return { status: 'signed-out' as const };
    },
  );

  app.get(
    '/api/auth/me',
    {
      preValidation: requireSession,
      schema: { tags: ['auth'], response: { 200: profileSchema, ...problems } },
    },
    async (request) => readProfile(app, actorOf(request).accountId),
  );

  app.post(
    '/api/admin/accounts/:accountId/disable',
    {
      preValidation: requireRole('admin', 'superuser'),
      schema: {
        tags: ['admin'],
        params: z.object({ accountId: z.uuid() }),
        body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
        response: {
          200: z.object({ status: z.literal('disabled'), sessionsEnded: z.number().int() }),
          ...problems,
        },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      await disableAccount(
        app,
        { accountId, reason: request.body.reason },
        commandMetadata(app, request),
      );
      const sessionsEnded = await app.sessions.destroyAll(accountId);
      return { status: 'disabled' as const, sessionsEnded };
    },
  );
}
