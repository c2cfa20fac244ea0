// Admin: the states and cities reference data (a state's cities with their
// pincode ranges), kept in one `region-<stateCode>` stream per state.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addCity, addState, loadRegion } from '../../commands/regions.ts';
import { commandMetadata } from '../context.ts';
import { staff } from './admin-properties.ts';
import { created, int, notFound, ok } from './api-support.ts';

const stateCode = z.string().regex(/^[A-Z]{2}$/);

export async function adminRegionRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const meta = (request: Parameters<typeof commandMetadata>[1]) => commandMetadata(app, request);

  app.get(
    '/api/admin/regions/:stateCode',
    {
      preValidation: staff,
      schema: {
        tags: ['regions'],
        params: z.object({ stateCode }),
        response: ok(
          z.object({
            stateCode: z.string(),
            name: z.string(),
            cities: z.array(
              z.object({ cityId: z.string(), name: z.string(), pincodeFrom: int, pincodeTo: int }),
            ),
          }),
        ),
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
        body: z.strictObject({ stateCode, name: z.string().trim().min(1).max(100) }),
        response: created(z.object({ stateCode: z.string() })),
      },
    },
    async (request, reply) => {
      await addState(app, request.body, meta(request));
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
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          pincodeFrom: z.number().int().min(100000).max(999999),
          pincodeTo: z.number().int().min(100000).max(999999),
        }),
        response: created(z.object({ cityId: z.uuid() })),
      },
    },
    async (request, reply) => {
      const metadata = meta(request);
      const cityId = metadata.commandId;
      await addCity(
        app,
        { stateCode: request.params.stateCode, cityId, ...request.body },
        metadata,
      );
      return reply.status(201).send({ cityId });
    },
  );
}
