// Customer properties: add one (it waits for an admin's approval), list mine
// (owned or rented), and get one with its address opened and its meter's
// status. Only the owner or the current tenant reaches a property.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addProperty } from '../../commands/properties.ts';
import type { SqlExecutor } from '../../db/sql.ts';
import { getMeter } from '../../projections/inventory/queries.ts';
import { getProperty, propertiesOf, type PropertyRow } from '../../projections/properties/index.ts';
import { actorOf, requireRole } from '../auth-guard.ts';
import { commandMetadata } from '../context.ts';
import { openAddress } from '../personal-data.ts';
import {
  addPropertyBody,
  propertyAddedSchema,
  propertyDetailSchema,
  propertySchema,
} from '../schemas/properties.ts';
import { asMember, created, ok, settle } from './api-support.ts';

const customer = requireRole('customer');

export async function meterStatus(db: SqlExecutor, meterId: string | null) {
  const meter = meterId === null ? null : await getMeter(db, meterId);
  if (meter === null) return null;
  const { serial, status, online, lastSeenAt, lastReadAt, lastRegisterWh } = meter;
  return { meterId: meter.meterId, serial, status, online, lastSeenAt, lastReadAt, lastRegisterWh };
}

async function summary(db: SqlExecutor, p: Omit<PropertyRow, 'openInvitation'>, accountId: string) {
  return {
    propertyId: p.propertyId,
    role: p.ownerId === accountId ? ('owner' as const) : ('tenant' as const),
    ownerId: p.ownerId,
    tenantId: p.tenantId,
    status: p.status,
    statusReason: p.statusReason,
    kind: p.kind,
    city: p.city,
    state: p.state,
    pincode: p.pincode,
    missedPeriod: p.missedPeriod,
    addedAt: p.addedAt,
    meter: await meterStatus(db, p.meterId),
  };
}

export async function propertyRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.post(
    '/api/properties',
    {
      preValidation: customer,
      schema: {
        tags: ['properties'],
        body: addPropertyBody,
        response: created(propertyAddedSchema),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const metadata = commandMetadata(app, request);
      // The command id doubles as the new id, so a retry with the same Idempotency-Key adds nothing.
      const propertyId = metadata.commandId;
      const { position } = await addProperty(
        app,
        {
          propertyId,
          ownerId: actor.accountId,
          kind: request.body.kind,
          address: request.body.address,
        },
        metadata,
      );
      await settle(app, reply, position, ['properties']);
      return reply.status(201).send({ propertyId, status: 'pending' as const });
    },
  );

  app.get(
    '/api/properties',
    {
      preValidation: customer,
      schema: { tags: ['properties'], response: ok(z.array(propertySchema)) },
    },
    async (request) => {
      const { accountId } = actorOf(request);
      const rows = await propertiesOf(db, accountId);
      return Promise.all(rows.map((p) => summary(db, p, accountId)));
    },
  );

  app.get(
    '/api/properties/:propertyId',
    {
      preValidation: customer,
      schema: {
        tags: ['properties'],
        params: z.object({ propertyId: z.uuid() }),
        response: ok(propertyDetailSchema),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      // The property with its open invitation: the ownership check and the page in one read.
      const p = asMember((await getProperty(db, request.params.propertyId)) ?? undefined, actor);
      const [base, address] = await Promise.all([
        summary(db, p, actor.accountId),
        openAddress(app.vault, p.address),
      ]);
      // The tenant-to-be's id is the owner's business only.
      return { ...base, address, openInvitation: p.role === 'owner' ? p.openInvitation : null };
    },
  );
}
