// Event stores for integration tests: a migrated Postgres store on a database
// of its own (dropped on close), or an in-memory PGlite store.

import { pgliteDatabase } from '../../src/db/pglite.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { migrate, openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import type { PostgresEventStoreOptions } from '../../src/eventstore/postgres/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export interface TestStore {
  store: EventStore;
  db: SqlDatabase;
  close(): Promise<void>;
}

export interface PostgresTestStore extends TestStore {
  database: TestDatabase;
}

export async function createPostgresTestStore(
  options: PostgresEventStoreOptions = {},
): Promise<PostgresTestStore> {
  const database = await createTestDatabase('es');
  const db = postgresDatabase(database.url);
  await migrate(db);
  const store = openPostgresEventStore(db, options);
  return {
    store,
    db,
    database,
    async close() {
      await store.close();
      await db.close();
      await database.drop();
    },
  };
}

export async function createPgliteTestStore(
  options: PostgresEventStoreOptions = {},
): Promise<TestStore> {
  const db = await pgliteDatabase();
  await migrate(db);
  const store = openPostgresEventStore(db, options);
  return {
    store,
    db,
    async close() {
      await store.close();
      await db.close();
    },
  };
}
