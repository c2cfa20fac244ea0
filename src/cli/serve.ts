// `ledger serve`: opens the configured event store (migrating a SQL one),
// starts the HTTP server and keeps running until SIGINT/SIGTERM, then closes
// the server and the store in that order.

import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { openEventStore } from '../eventstore/open.ts';
import { buildApp } from '../web/app.ts';
import { listen, shutdownOnSignals } from '../web/server.ts';
import { action } from './run.ts';
import { eventStoreConfig } from './store.ts';

export function serveCommand(): Command {
  return new Command('serve').description('start the HTTP server').action(
    action(async (config) => {
      const opened = await openEventStore(eventStoreConfig(config));
      let app: FastifyInstance | undefined;
      try {
        app = await buildApp({ store: opened.store, logLevel: config.logLevel });
        shutdownOnSignals(app, { release: [opened.close] });
        const url = await listen(app, { port: config.port, host: config.host });
        app.log.info({ url, store: opened.store.kind }, 'ledger is serving');
      } catch (error) {
        await app?.close();
        await opened.close();
        throw error;
      }
    }),
  );
}
