// Admin: the support queue (assign, comment, acknowledge, resolve), accounts
// with their roles, and granting or revoking roles (superuser only; the
// account service checks that too, from the actor's own account).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { grantRole, revokeRole } from '../../commands/accounts.ts';
import {
  acknowledgeTicket,
  assignTicket,
  commentOnTicket,
  resolveTicket,
} from '../../commands/tickets.ts';
import { ROLES } from '../../domain/account/index.ts';
import { getAccount, listAccounts } from '../../projections/accounts/index.ts';
import { getTicket, ticketQueue } from '../../projections/tickets/index.ts';
import { requireRole } from '../auth-guard.ts';
import { commandMetadata } from '../context.ts';
import { staff } from './admin-properties.ts';
import { accountSchema, roleBody, rolesSchema } from '../schemas/admin.ts';
import { ticketDetailSchema, ticketSchema, ticketTextSchema as text } from '../schemas/tickets.ts';
import { doneSchema as done } from '../schemas/wire.ts';
import { notFound, ok, settle } from './api-support.ts';

const superuser = requireRole('superuser');
const ticketParams = z.object({ ticketId: z.uuid() });
export async function adminPeopleRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.get(
    '/api/admin/tickets',
    {
      preValidation: staff,
      schema: {
        tags: ['tickets'],
        querystring: z.strictObject({ assignee: z.uuid().optional() }),
        response: ok(z.array(ticketSchema)),
      },
    },
    async (request) => ticketQueue(db, request.query),
  );

  app.get(
    '/api/admin/tickets/:ticketId',
    {
      preValidation: staff,
      schema: { tags: ['tickets'], params: ticketParams, response: ok(ticketDetailSchema) },
    },
    async (request) => {
      const ticket = await getTicket(db, request.params.ticketId);
      if (ticket === null) throw notFound('ticket');
      return ticket;
    },
  );

  const ticketAction = <B extends z.ZodObject>(
    path: string,
    body: B,
    run: (
      ticketId: string,
      body: z.infer<B>,
      m: ReturnType<typeof commandMetadata>,
    ) => Promise<{ position: string | null }>,
  ) =>
    app.post(
      `/api/admin/tickets/:ticketId/${path}`,
      {
        preValidation: staff,
        schema: { tags: ['tickets'], params: ticketParams, body, response: ok(done) },
      },
      async (request, reply) => {
        const { ticketId } = request.params;
        if ((await getTicket(db, ticketId)) === null) throw notFound('ticket');
        const { position } = await run(
          ticketId,
          request.body as z.infer<B>,
          commandMetadata(app, request),
        );
        await settle(app, reply, position, ['tickets']);
        return { status: 'done' as const };
      },
    );
  ticketAction('assign', z.strictObject({ assignee: z.uuid() }), (ticketId, b, m) =>
    assignTicket(app, { ticketId, assignee: b.assignee }, m),
  );
  ticketAction('comments', z.strictObject({ text }), (ticketId, b, m) =>
    commentOnTicket(app, { ticketId, text: b.text }, m),
  );
  ticketAction('acknowledge', z.strictObject({}), (ticketId, _b, m) =>
    acknowledgeTicket(app, { ticketId }, m),
  );
  ticketAction('resolve', z.strictObject({ resolution: text }), (ticketId, b, m) =>
    resolveTicket(app, { ticketId, resolution: b.resolution }, m),
  );

  app.get(
    '/api/admin/accounts',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        querystring: z.strictObject({ role: z.enum(ROLES).optional() }),
        response: ok(z.array(accountSchema)),
      },
    },
    async (request) => listAccounts(db, request.query),
  );

  const roleChange = (path: 'grant' | 'revoke', run: typeof grantRole) =>
    app.post(
      `/api/admin/accounts/:accountId/roles/${path}`,
      {
        preValidation: superuser,
        schema: {
          tags: ['admin'],
          params: z.object({ accountId: z.uuid() }),
          body: roleBody,
          response: ok(rolesSchema),
        },
      },
      async (request, reply) => {
        const { accountId } = request.params;
        if ((await getAccount(db, accountId)) === null) throw notFound('account');
        const outcome = await run(
          app,
          { accountId, role: request.body.role },
          commandMetadata(app, request),
        );
        await settle(app, reply, outcome.position, ['accounts']);
        // Sessions carry roles: end the account's sessions so the change applies at once.
        await app.sessions.destroyAll(accountId);
        return { roles: (await getAccount(db, accountId))?.roles ?? [] };
      },
    );
  roleChange('grant', grantRole);
  roleChange('revoke', revokeRole);
}
