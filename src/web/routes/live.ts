// GET /api/live: server-sent events for the admin dashboard (bill-run
// progress, meters online, new tickets), fed by the process's live feed.
// Staff only: customers and auditors get 403 before any event is sent. A
// comment line every 15 s keeps proxies from closing an idle stream.

import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { createLiveFeed } from '../live/feed.ts';
import { staff } from './admin-properties.ts';

const HEARTBEAT_MS = 15_000;

export async function liveRoutes(app: FastifyInstance) {
  const feed = createLiveFeed(app.api.readDb, {
    pollMs: app.api.livePollMs,
    onError: (error) => app.log.warn({ err: error }, 'live feed poll failed'),
  });
  const open = new Set<ServerResponse>();
  // Streams never go idle: end them before the server waits for connections to drain.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    feed.stop();
  });

  app.get(
    '/api/live',
    { preValidation: staff, schema: { tags: ['live'], produces: ['text/event-stream'] } },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      open.add(res);
      res.write('retry: 3000\n\n');
      const unsubscribe = feed.subscribe(({ topic, data }) => {
        res.write(`event: ${topic}\ndata: ${JSON.stringify(data)}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      request.raw.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    },
  );
}
