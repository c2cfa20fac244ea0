// Admin: the states and cities reference data (a state's cities with their
// pincode ranges), kept in one `region-<stateCode>` stream per state; the
// list of all states comes from the `regions` read model, which the writes
// here wait for so the list shows them at once.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addCity, addState, loadRegion } from '../../commands/regions.ts';
import { listRegions } from '../../projections/regions/index.ts';
import { commandMetadata } from '../context.ts';
import { staff } from './admin-properties.ts';
import {
  addCityBody,
  addStateBody,
  cityAddedSchema,
  regionSchema,
  stateAddedSchema,
  stateCodeSchema as stateCode,
} from '../schemas/admin.ts';
import { created, notFound, ok, settle } from './api-support.ts';

export async function adminRegionRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const meta = (request: Parameters<typeof commandMetadata>[1]) => commandMetadata(app, request);

  app.get(
    '/api/admin/regions',
    { preValidation: staff, schema: { tags: ['regions'], response: ok(z.array(regionSchema)) } },
    async () => listRegions(app.api.readDb),
  );

  app.get(
    '/api/admin/regions/:stateCode',
    {
      preValidation: staff,
      schema: {
        tags: ['regions'],
        params: z.object({ stateCode }),
        response: ok(regionSchema),
      },
    },
    async (request) => {
      const region = await loadRegion(app.store, request.params.stateCode);
      if (region.status !== 'present') throw notFound('state');
      return region;
    },
  );

  app.post(
    '/api/admin/regions',
    {
      preValidation: staff,
      schema: {
        tags: ['regions'],
        body: addStateBody,
        response: created(stateAddedSchema),
      },
    },
    async (request, reply) => {
      const { position } = await addState(app, request.body, meta(request));
      await settle(app, reply, position, ['regions']);
      return reply.status(201).send({ stateCode: request.body.stateCode });
    },
  );

  app.post(
    '/api/admin/regions/:stateCode/cities',
    {
      preValidation: staff,
      schema: {
        tags: ['regions'],
        params: z.object({ stateCode }),
        body: addCityBody,
        response: created(cityAddedSchema),
      },
    },
    async (request, reply) => {
      const metadata = meta(request);
      const cityId = metadata.commandId;
      const { position } = await addCity(
        app,
        { stateCode: request.params.stateCode, cityId, ...request.body },
        metadata,
      );
      await settle(app, reply, position, ['regions']);
      return reply.status(201).send({ cityId });
    },
  );
}
