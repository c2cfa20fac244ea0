// Admin: inventory of gateways (the "IoT servers") and meters (register,
// rotate key, disable, enable; meters with online status, last reading, last
// seen).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  disableGateway,
  disableMeter,
  enableGateway,
  enableMeter,
  registerGateway,
  registerMeter,
  rotateGatewayKey,
  rotateMeterKey,
} from '../../commands/inventory.ts';
import { listGateways, listMeters } from '../../projections/inventory/queries.ts';
import { commandMetadata } from '../context.ts';
import { staff } from './admin-properties.ts';
import {
  addGatewayBody,
  addMeterBody,
  disableBody as reason,
  gatewayAddedSchema,
  gatewaySchema,
  inventoryMeterSchema,
  meterAddedSchema,
  rotateKeyBody as gatewayKey,
} from '../schemas/admin.ts';
import { doneSchema as done } from '../schemas/wire.ts';
import { created, notFound, ok, settle } from './api-support.ts';

export async function adminInventoryRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.get(
    '/api/admin/gateways',
    { preValidation: staff, schema: { tags: ['inventory'], response: ok(z.array(gatewaySchema)) } },
    async () => listGateways(db),
  );

  app.post(
    '/api/admin/gateways',
    {
      preValidation: staff,
      schema: {
        tags: ['inventory'],
        body: addGatewayBody,
        response: created(gatewayAddedSchema),
      },
    },
    async (request, reply) => {
      const metadata = commandMetadata(app, request);
      const gatewayId = metadata.commandId;
      const { position } = await registerGateway(app, { gatewayId, ...request.body }, metadata);
      await settle(app, reply, position, ['inventory']);
      return reply.status(201).send({ gatewayId });
    },
  );

  app.get(
    '/api/admin/meters',
    {
      preValidation: staff,
      schema: {
        tags: ['inventory'],
        querystring: z.strictObject({
          gatewayId: z.uuid().optional(),
          free: z.enum(['true', 'false']).optional(),
        }),
        response: ok(z.array(inventoryMeterSchema)),
      },
    },
    async (request) => {
      const meters = await listMeters(db, { gatewayId: request.query.gatewayId });
      return request.query.free === 'true'
        ? meters.filter((m) => m.propertyId === null && m.status === 'enabled')
        : meters;
    },
  );

  app.post(
    '/api/admin/meters',
    {
      preValidation: staff,
      schema: {
        tags: ['inventory'],
        body: addMeterBody,
        response: created(meterAddedSchema),
      },
    },
    async (request, reply) => {
      const metadata = commandMetadata(app, request);
      const meterId = metadata.commandId;
      const { position } = await registerMeter(app, { meterId, ...request.body }, metadata);
      await settle(app, reply, position, ['inventory']);
      return reply.status(201).send({ meterId });
    },
  );

  const meta = (request: Parameters<typeof commandMetadata>[1]) => commandMetadata(app, request);
  const route = <B extends z.ZodObject>(
    path: string,
    body: B | null,
    exists: (id: string) => Promise<boolean>,
    what: string,
    run: (
      id: string,
      body: z.infer<B>,
      request: Parameters<typeof meta>[0],
    ) => Promise<{ position: string | null }>,
  ) =>
    app.post(
      path,
      {
        preValidation: staff,
        schema: {
          tags: ['inventory'],
          params: z.object({ id: z.uuid() }),
          ...(body ? { body } : {}),
          response: ok(done),
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        if (!(await exists(id))) throw notFound(what);
        const { position } = await run(id, request.body as z.infer<B>, request);
        await settle(app, reply, position, ['inventory']);
        return { status: 'done' as const };
      },
    );
  const gatewayExists = async (id: string) =>
    (await listGateways(db)).some((g) => g.gatewayId === id);
  const meterExists = async (id: string) => (await listMeters(db, { meterId: id })).length > 0;

  route('/api/admin/gateways/:id/rotate-key', gatewayKey, gatewayExists, 'gateway', (id, b, r) =>
    rotateGatewayKey(app, { gatewayId: id, publicKey: b.publicKey }, meta(r)),
  );
  route('/api/admin/gateways/:id/disable', reason, gatewayExists, 'gateway', (id, b, r) =>
    disableGateway(app, { gatewayId: id, reason: b.reason }, meta(r)),
  );
  route('/api/admin/gateways/:id/enable', null, gatewayExists, 'gateway', (id, _b, r) =>
    enableGateway(app, { gatewayId: id }, meta(r)),
  );
  route('/api/admin/meters/:id/rotate-key', gatewayKey, meterExists, 'meter', (id, b, r) =>
    rotateMeterKey(app, { meterId: id, publicKey: b.publicKey }, meta(r)),
  );
  route('/api/admin/meters/:id/disable', reason, meterExists, 'meter', (id, b, r) =>
    disableMeter(app, { meterId: id, reason: b.reason }, meta(r)),
  );
  route('/api/admin/meters/:id/enable', null, meterExists, 'meter', (id, _b, r) =>
    enableMeter(app, { meterId: id }, meta(r)),
  );
}
