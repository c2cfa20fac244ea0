// Builds the Fastify application: external plugins first (security headers),
// then the app's own services decorated onto the instance, then routes. It
// never listens; server.ts does, so tests can `inject` into a built app.

import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import type { LogLevel } from '../config.ts';
import type { EventStore } from '../eventstore/port.ts';
import { installProblemHandlers } from './problem.ts';
import { healthRoutes } from './routes/health.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The event store; opened and closed by whoever built the app (the caller owns it). */
    store: EventStore;
  }
}

export interface AppOptions {
  store: EventStore;
  logLevel: LogLevel;
  /** Largest request body in bytes. */
  bodyLimit?: number;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel,
      // Credentials must not reach the logs.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    },
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // While closing, refuse new requests with 503 and drop idle keep-alive sockets.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  installProblemHandlers(app);
  await app.register(helmet);

  app.decorate('store', options.store);

  await app.register(healthRoutes);
  return app;
}
