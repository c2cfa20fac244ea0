// Public surface of the Postgres/PGlite adapter.
export { appendInTransaction, NOTIFY_CHANNEL, type PreparedAppend } from './append.ts';
export { applyMigrations, migrate } from './migrate.ts';
export { comparePositions, decodePosition, encodePosition } from './positions.ts';
export {
  openPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from './store.ts';
