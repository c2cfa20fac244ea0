// How CLI commands reach the event store: the configuration picks the adapter
// (open.ts), and the embedded PGlite database lives in DATA_DIR/pglite so the
// data directory can hold other files later.

import { join } from 'node:path';
import type { Config } from '../config.ts';
import {
  openEventStore,
  type EventStoreConfig,
  type OpenedEventStore,
} from '../eventstore/open.ts';

export const pgliteDir = (config: Pick<Config, 'dataDir'>): string =>
  join(config.dataDir, 'pglite');

export const eventStoreConfig = (config: Config): EventStoreConfig => ({
  databaseUrl: config.databaseUrl,
  dataDir: pgliteDir(config),
  kurrentdbUrl: config.kurrentdbUrl,
});

/** Opens the configured store (migrating a SQL one), runs `use`, and always closes it. */
export async function withEventStore<T>(
  config: Config,
  use: (opened: OpenedEventStore) => Promise<T>,
): Promise<T> {
  const opened = await openEventStore(eventStoreConfig(config));
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}
