// Tenancy: the owner invites a tenant by username + mobile, may revoke the
// invitation or remove the tenant; the invited customer sees their open
// invitations and accepts or declines; the tenant may leave; owner and tenant
// see each other's contact card. An invitation is reachable only by the
// customer it was sent to, anyone else gets 404.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createTenantDirectory } from '../../commands/accounts.ts';
import {
  acceptInvitation,
  declineInvitation,
  inviteTenant,
  leaveProperty,
  removeTenant,
  revokeInvitation,
} from '../../commands/properties.ts';
import { actorOf, requireRole } from '../auth-guard.ts';
import { commandMetadata } from '../context.ts';
import { contactCard } from '../personal-data.ts';
import {
  contactsSchema,
  invitationSchema,
  invitedSchema,
  inviteBody,
} from '../schemas/properties.ts';
import { doneSchema as done } from '../schemas/wire.ts';
import { created, memberProperty, notFound, ok, settle } from './api-support.ts';

const customer = requireRole('customer');
const propertyParams = z.object({ propertyId: z.uuid() });
const invitationParams = z.object({ propertyId: z.uuid(), invitationId: z.uuid() });

export async function tenancyRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;
  const tenants = createTenantDirectory(app);

  app.post(
    '/api/properties/:propertyId/invitations',
    {
      preValidation: customer,
      schema: {
        tags: ['tenancy'],
        params: propertyParams,
        body: inviteBody,
        response: created(invitedSchema),
      },
    },
    async (request, reply) => {
      const { propertyId } = request.params;
      await memberProperty(app, actorOf(request), propertyId, ['owner']);
      const metadata = commandMetadata(app, request);
      const invitationId = metadata.commandId;
      const { position } = await inviteTenant(
        { store: app.store, tenants },
        { propertyId, invitationId, ...request.body },
        metadata,
      );
      await settle(app, reply, position, ['properties']);
      return reply.status(201).send({ invitationId });
    },
  );

  app.get(
    '/api/invitations',
    {
      preValidation: customer,
      schema: { tags: ['tenancy'], response: ok(z.array(invitationSchema)) },
    },
    async (request) => {
      const { rows } = await db.query<{
        invitationId: string;
        propertyId: string;
        city: string;
        pincode: string;
        ownerId: string;
        invitedAt: Date;
        expiresAt: Date;
      }>(
        `SELECT i.invitation_id AS "invitationId", i.property_id AS "propertyId", p.city, p.pincode,
           p.owner_id AS "ownerId", i.invited_at AS "invitedAt", i.expires_at AS "expiresAt"
         FROM read.property_invitations i JOIN read.properties p USING (property_id)
         WHERE i.tenant_id = $1 AND i.status = 'open' AND i.expires_at > now()
         ORDER BY i.invited_at DESC`,
        [actorOf(request).accountId],
      );
      return Promise.all(
        rows.map(async ({ ownerId, ...row }) => ({
          ...row,
          owner: await contactCard(db, app.vault, ownerId),
        })),
      );
    },
  );

  /** The invited customer's own open invitation, else 404. */
  const ownInvitation = async (accountId: string, propertyId: string, invitationId: string) => {
    const { rows } = await db.query(
      `SELECT 1 FROM read.property_invitations
       WHERE invitation_id = $1 AND property_id = $2 AND tenant_id = $3`,
      [invitationId, propertyId, accountId],
    );
    if (rows.length === 0) throw notFound('invitation');
  };

  const invitationAction = (path: string, who: 'owner' | 'invitee', run: typeof acceptInvitation) =>
    app.post(
      `/api/properties/:propertyId/invitations/:invitationId/${path}`,
      {
        preValidation: customer,
        schema: { tags: ['tenancy'], params: invitationParams, response: ok(done) },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const { propertyId, invitationId } = request.params;
        if (who === 'owner') await memberProperty(app, actor, propertyId, ['owner']);
        else await ownInvitation(actor.accountId, propertyId, invitationId);
        const { position } = await run(
          app,
          { propertyId, invitationId },
          commandMetadata(app, request),
        );
        await settle(app, reply, position, ['properties']);
        return { status: 'done' as const };
      },
    );
  invitationAction('revoke', 'owner', revokeInvitation);
  invitationAction('accept', 'invitee', acceptInvitation);
  invitationAction('decline', 'invitee', declineInvitation);

  app.post(
    '/api/properties/:propertyId/tenant/remove',
    {
      preValidation: customer,
      schema: { tags: ['tenancy'], params: propertyParams, response: ok(done) },
    },
    async (request, reply) => {
      const { propertyId } = request.params;
      const property = await memberProperty(app, actorOf(request), propertyId, ['owner']);
      if (property.tenantId === null) throw notFound('tenant');
      const { position } = await removeTenant(
        app,
        { propertyId, tenantId: property.tenantId },
        commandMetadata(app, request),
      );
      await settle(app, reply, position, ['properties']);
      return { status: 'done' as const };
    },
  );

  app.post(
    '/api/properties/:propertyId/leave',
    {
      preValidation: customer,
      schema: { tags: ['tenancy'], params: propertyParams, response: ok(done) },
    },
    async (request, reply) => {
      const { propertyId } = request.params;
      await memberProperty(app, actorOf(request), propertyId, ['tenant']);
      const { position } = await leaveProperty(app, { propertyId }, commandMetadata(app, request));
      await settle(app, reply, position, ['properties']);
      return { status: 'done' as const };
    },
  );

  app.get(
    '/api/properties/:propertyId/contacts',
    {
      preValidation: customer,
      schema: {
        tags: ['tenancy'],
        params: propertyParams,
        response: ok(contactsSchema),
      },
    },
    async (request) => {
      const p = await memberProperty(app, actorOf(request), request.params.propertyId);
      return {
        owner: await contactCard(db, app.vault, p.ownerId),
        tenant: p.tenantId === null ? null : await contactCard(db, app.vault, p.tenantId),
      };
    },
  );
}
