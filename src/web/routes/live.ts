// Server-sent events. GET /api/live: the admin dashboard's feed (bill-run
// progress, meters online, new tickets); staff only. GET /api/live/mine: the
// portal's feed of the signed-in customer's own properties, bills, payments,
// tickets and meters; customers only, and the account comes from the
// session, never from the request. Both refuse (401/403) before any event.

import type { FastifyInstance } from 'fastify';
import { actorOf, requireRole } from '../auth-guard.ts';
import { createCustomerFeed } from '../live/customer-feed.ts';
import { createLiveFeed } from '../live/feed.ts';
import { eventStreams } from '../live/sse.ts';
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
  app.addHook('preClose', async () => {
    feed.stop();
    customers.stop();
  });

  app.get(
    '/api/live',
    { preValidation: staff, schema: { tags: ['live'], produces: ['text/event-stream'] } },
    (request, reply) => {
      const stream = openStream(request, reply);
      stream.onClose(feed.subscribe(({ topic, data }) => stream.send(topic, data)));
    },
  );

  app.get(
    '/api/live/mine',
    { preValidation: customer, schema: { tags: ['live'], produces: ['text/event-stream'] } },
    (request, reply) => {
      const { accountId } = actorOf(request);
      const stream = openStream(request, reply);
      stream.onClose(customers.subscribe(accountId, ({ topic, data }) => stream.send(topic, data)));
    },
  );
}
