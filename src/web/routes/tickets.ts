// Customer support tickets: open one about a property of mine, list mine,
// read one with its comments, comment, reopen. A ticket is reachable by
// whoever opened it and by the property's current owner or tenant; anyone
// else gets 404.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commentOnTicket, openTicket, reopenTicket } from '../../commands/tickets.ts';
import { getTicket, ticketsOf } from '../../projections/tickets/index.ts';
import { actorOf, requireRole } from '../auth-guard.ts';
import { commandMetadata } from '../context.ts';
import {
  openTicketBody,
  ticketDetailSchema,
  ticketOpenedSchema,
  ticketSchema,
  ticketTextSchema as text,
} from '../schemas/tickets.ts';
import { statusSchema } from '../schemas/wire.ts';
import { created, memberProperty, notFound, ok, settle } from './api-support.ts';

const customer = requireRole('customer');
const ticketParams = z.object({ ticketId: z.uuid() });

export async function ticketRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  const ownTicket = async (request: FastifyRequest, ticketId: string) => {
    const actor = actorOf(request);
    const ticket = await getTicket(db, ticketId);
    if (ticket === null) throw notFound('ticket');
    if (ticket.openedBy !== actor.accountId)
      await memberProperty(app, actor, ticket.propertyId).catch(() => {
        throw notFound('ticket');
      });
    return ticket;
  };

  app.post(
    '/api/tickets',
    {
      preValidation: customer,
      schema: {
        tags: ['tickets'],
        body: openTicketBody,
        response: created(ticketOpenedSchema),
      },
    },
    async (request, reply) => {
      await memberProperty(app, actorOf(request), request.body.propertyId);
      const metadata = commandMetadata(app, request);
      const ticketId = metadata.commandId;
      const { position } = await openTicket(app, { ticketId, ...request.body }, metadata);
      await settle(app, reply, position, ['tickets']);
      return reply.status(201).send({ ticketId });
    },
  );

  app.get(
    '/api/tickets',
    { preValidation: customer, schema: { tags: ['tickets'], response: ok(z.array(ticketSchema)) } },
    async (request) => ticketsOf(db, actorOf(request).accountId),
  );

  app.get(
    '/api/tickets/:ticketId',
    {
      preValidation: customer,
      schema: { tags: ['tickets'], params: ticketParams, response: ok(ticketDetailSchema) },
    },
    async (request) => ownTicket(request, request.params.ticketId),
  );

  app.post(
    '/api/tickets/:ticketId/comments',
    {
      preValidation: customer,
      schema: {
        tags: ['tickets'],
        params: ticketParams,
        body: z.strictObject({ text }),
        response: created(statusSchema('commented')),
      },
    },
    async (request, reply) => {
      const { ticketId } = request.params;
      await ownTicket(request, ticketId);
      const { position } = await commentOnTicket(
        app,
        { ticketId, text: request.body.text },
        commandMetadata(app, request),
      );
      await settle(app, reply, position, ['tickets']);
      return reply.status(201).send({ status: 'commented' as const });
    },
  );

  app.post(
    '/api/tickets/:ticketId/reopen',
    {
      preValidation: customer,
      schema: {
        tags: ['tickets'],
        params: ticketParams,
        body: z.strictObject({ reason: text }),
        response: ok(statusSchema('reopened')),
      },
    },
    async (request, reply) => {
      const { ticketId } = request.params;
      await ownTicket(request, ticketId);
      const { position } = await reopenTicket(
        app,
        { ticketId, reason: request.body.reason },
        commandMetadata(app, request),
      );
      await settle(app, reply, position, ['tickets']);
      return { status: 'reopened' as const };
    },
  );
}
