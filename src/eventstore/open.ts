// Chooses the event store from configuration: KurrentDB when a KurrentDB URL
// is given, else Postgres when a database URL is given, else embedded PGlite
// under the data directory. Returns the SQL database too, because read models
// live in SQL whichever store holds the events.

import { mkdir } from 'node:fs/promises';
import { pgliteDatabase } from '../db/pglite.ts';
import { postgresDatabase } from '../db/postgres.ts';
import type { SqlDatabase } from '../db/sql.ts';
import type { EventStore } from './port.ts';
import {
  migrate,
  openPostgresEventStore,
  type PostgresEventStoreOptions,
} from './postgres/index.ts';

export interface EventStoreConfig {
  databaseUrl?: string;
  /** PGlite data directory when no database URL is set. */
  dataDir?: string;
  kurrentdbUrl?: string;
  postgres?: PostgresEventStoreOptions;
}

export const DEFAULT_PGLITE_DIR = './data/pglite';

export interface OpenedEventStore {
  store: EventStore;
  db: SqlDatabase;
  /** Closes the store, then the database. */
  close(): Promise<void>;
}

export async function openEventStore(config: EventStoreConfig): Promise<OpenedEventStore> {
  const db = config.databaseUrl
    ? postgresDatabase(config.databaseUrl)
    : await openPglite(config.dataDir ?? DEFAULT_PGLITE_DIR);
  try {
    let store: EventStore;
    if (config.kurrentdbUrl) {
      // Loaded on demand: the gRPC client is heavy and most runs never need it.
      const { kurrentDbEventStore } = await import('./kurrentdb.ts');
      store = kurrentDbEventStore(config.kurrentdbUrl);
    } else {
      await migrate(db);
      store = openPostgresEventStore(db, config.postgres);
    }
    return {
      store,
      db,
      async close() {
        await store.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function openPglite(dataDir: string): Promise<SqlDatabase> {
  // PGlite creates its own directory but not missing parents (`./data` on a fresh clone).
  await mkdir(dataDir, { recursive: true });
  return pgliteDatabase(dataDir);
}
