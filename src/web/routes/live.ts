// Server-sent events. GET /api/live: the admin dashboard's feed (bill-run
// progress, meters online, new tickets); staff only. GET /api/live/mine: the
// portal's feed of the signed-in customer's own properties, bills, payments,
// tickets and meters; customers only, and the account comes from the
// session, never from the request. Both refuse (401/403) before any event.
// Messages the UI reads go through their wire schemas (src/web/schemas/live.ts),
// as a REST answer goes through its response schema; one that does not fit is
// logged and not sent.

import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { actorOf, requireRole } from '../auth-guard.ts';
import { createCustomerFeed } from '../live/customer-feed.ts';
import { createLiveFeed } from '../live/feed.ts';
import { eventStreams } from '../live/sse.ts';
import { dashboardTopics, portalTopics } from '../schemas/live.ts';
import { staff } from './admin-properties.ts';

const customer = requireRole('customer');

export async function liveRoutes(app: FastifyInstance) {
  const pollOptions = (name: string) => ({
    pollMs: app.api.livePollMs,
    onError: (error: unknown) => app.log.warn({ err: error }, `${name} poll failed`),
  });
  const feed = createLiveFeed(app.api.readDb, pollOptions('live feed'));
  const customers = createCustomerFeed(app.api.readDb, pollOptions('customer live feed'));
  const openStream = eventStreams(app);
  const dashboard = wireEncoder(app, dashboardTopics);
  const portal = wireEncoder(app, portalTopics);
  app.addHook('preClose', async () => {
    feed.stop();
    customers.stop();
  });

  app.get(
    '/api/live',
    { preValidation: staff, schema: { tags: ['live'], produces: ['text/event-stream'] } },
    (request, reply) => {
      const stream = openStream(request, reply);
      stream.onClose(
        feed.subscribe(({ topic, data }) => {
          const message = dashboard(topic, data);
          if (message.ok) stream.send(topic, message.data);
        }),
      );
    },
  );

  app.get(
    '/api/live/mine',
    { preValidation: customer, schema: { tags: ['live'], produces: ['text/event-stream'] } },
    (request, reply) => {
      const { accountId } = actorOf(request);
      const stream = openStream(request, reply);
      stream.onClose(
        customers.subscribe(accountId, ({ topic, data }) => {
          const message = portal(topic, data);
          if (message.ok) stream.send(topic, message.data);
        }),
      );
    },
  );
}

type Encoded = { ok: true; data: unknown } | { ok: false };

/**
 * Encodes a message through its topic's schema, once however many streams
 * carry it (a feed hands every subscriber the same object); a topic without a
 * schema is a change signal and goes as it is.
 */
export function wireEncoder(app: FastifyInstance, schemas: Record<string, z.ZodType>) {
  const encoded = new WeakMap<object, Encoded>();
  return (topic: string, data: unknown): Encoded => {
    const schema = schemas[topic];
    if (!schema || typeof data !== 'object' || data === null) return { ok: true, data };
    let message = encoded.get(data);
    if (!message) {
      const result = schema.safeEncode(data);
      if (!result.success)
        app.log.error({ err: result.error, topic }, 'live message does not fit its schema');
      message = result.success ? { ok: true, data: result.data } : { ok: false };
      encoded.set(data, message);
    }
    return message;
  };
}
