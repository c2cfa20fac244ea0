// `ledger migrate`: creates or upgrades the SQL schema of the event store
// (Postgres at DATABASE_URL, or the embedded PGlite database). Safe to run
// at any time and from several processes at once: applied files are recorded
// and an advisory lock serialises concurrent runs.

import { mkdir } from 'node:fs/promises';
import { Command } from 'commander';
import { pgliteDatabase } from '../db/pglite.ts';
import { postgresDatabase } from '../db/postgres.ts';
import type { SqlDatabase } from '../db/sql.ts';
import { migrate } from '../eventstore/postgres/index.ts';
import { action } from './run.ts';
import { pgliteDir } from './store.ts';

export function migrateCommand(): Command {
  return new Command('migrate').description('apply pending event-store schema migrations').action(
    action(async (config) => {
      if (config.kurrentdbUrl) {
        process.stdout.write('Events are stored in KurrentDB: no event-store schema to migrate.\n');
        return;
      }
      let db: SqlDatabase;
      if (config.databaseUrl) {
        db = postgresDatabase(config.databaseUrl, 1);
      } else {
        // PGlite creates its own directory but not missing parents (a fresh clone has no ./data).
        await mkdir(pgliteDir(config), { recursive: true });
        db = await pgliteDatabase(pgliteDir(config));
      }
      try {
        const applied = await migrate(db);
        const where = config.databaseUrl ? 'Postgres' : `PGlite at ${pgliteDir(config)}`;
        process.stdout.write(
          applied.length === 0
            ? `${where}: schema is up to date.\n`
            : `${where}: applied ${applied.join(', ')}\n`,
        );
      } finally {
        await db.close();
      }
    }),
  );
}
