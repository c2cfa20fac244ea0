// The event store contract on a real Postgres server (a database per suite).

import pg from 'pg';
import type { SqlExecutor } from '../../src/db/sql.ts';
import { appendInTransaction } from '../../src/eventstore/postgres/index.ts';
import { validateAppend } from '../../src/eventstore/validation.ts';
import { createPostgresTestStore } from '../support/store.ts';
import { runEventStoreContract } from './contract.ts';
import { sleep } from './contract-fixtures.ts';

runEventStoreContract('postgres', async () => {
  const { store, db, database, close } = await createPostgresTestStore({ pollIntervalMs: 200 });
  return {
    store,
    tamper: async (sql) => {
      await db.query(sql);
    },
    // A writer on its own connection that inserts, then keeps its transaction
    // (and so its low transaction id) open while later writers commit.
    async appendHeldOpen(stream, events, holdMs) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const tx: SqlExecutor = {
        query: async (text, params) => {
          const result = await client.query(text, params);
          return { rows: result.rows, affectedRows: result.rowCount ?? 0 };
        },
      };
      try {
        await client.query('BEGIN');
        const [outcome] = await appendInTransaction(tx, [
          { stream, events: validateAppend(stream, events, 'any'), expectedRevision: 'any' },
        ]);
        if (!outcome!.ok) throw outcome!.error;
        await sleep(holdMs);
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
    },
    close,
  };
});
