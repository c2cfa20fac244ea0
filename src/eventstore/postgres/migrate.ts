// Schema migrations as plain SQL files applied in file-name order, recorded in
// `schema_migrations`. Names are namespaced (`eventstore/001_events.sql`) so
// other modules can keep their own migration folders in the same table.

import { readdir, readFile } from 'node:fs/promises';
import type { SqlDatabase } from '../../db/sql.ts';

// Any constant works; it only has to be the same for every process migrating.
const MIGRATION_LOCK_KEY = 4_242_001;

/** Applies the `.sql` files in `dir` not yet recorded under `namespace`; returns the names applied. */
export async function applyMigrations(
  db: SqlDatabase,
  dir: URL,
  namespace: string,
): Promise<string[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    const name = `${namespace}/${file}`;
    const sql = await readFile(new URL(file, dir), 'utf8');
    const ran = await db.transaction(async (tx) => {
      // Two processes starting together must not both run the same file.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      // Created under the lock: two processes creating it at once would collide.
      await tx.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
      if (done.rows.length > 0) return false;
      await tx.query(sql);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      return true;
    });
    if (ran) applied.push(name);
  }
  return applied;
}

/** Creates or upgrades the event store schema. */
export function migrate(db: SqlDatabase): Promise<string[]> {
  return applyMigrations(db, new URL('./migrations/', import.meta.url), 'eventstore');
}
