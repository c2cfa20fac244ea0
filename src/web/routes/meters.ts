// A customer's meter data for one of their properties: the signed readings
// (time series) and consumption per IST day or month for the chart.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { consumption, memberPropertyReadings } from '../../projections/readings/queries.ts';
import { actorOf, requireRole } from '../auth-guard.ts';
import { consumptionPointSchema, readingSchema } from '../schemas/billing.ts';
import { memberRows, ok } from './api-support.ts';

const customer = requireRole('customer');
const params = z.object({ propertyId: z.uuid() });

export async function meterRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.get(
    '/api/properties/:propertyId/readings',
    {
      preValidation: customer,
      schema: {
        tags: ['meters'],
        params,
        querystring: z.strictObject({
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(1000),
        }),
        response: ok(z.array(readingSchema)),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { propertyId } = request.params;
      const scope = { propertyId, memberId: actor.accountId };
      const read = await memberPropertyReadings(db, scope, request.query);
      const rows = await memberRows(app, actor, propertyId, read);
      return rows.map(({ eventId, seq, registerWh, deltaWh, readAt }) => ({
        eventId,
        seq,
        registerWh,
        deltaWh,
        readAt,
      }));
    },
  );

  app.get(
    '/api/properties/:propertyId/consumption',
    {
      preValidation: customer,
      schema: {
        tags: ['meters'],
        params,
        querystring: z.strictObject({ granularity: z.enum(['daily', 'monthly']).default('daily') }),
        response: ok(z.array(consumptionPointSchema)),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { propertyId } = request.params;
      const scope = { propertyId, memberId: actor.accountId };
      const rows = await consumption(db, scope, request.query.granularity);
      return memberRows(app, actor, propertyId, rows);
    },
  );
}
