// The event store contract on PGlite (in memory): the same SQL as Postgres.

import { appendInTransaction } from '../../src/eventstore/postgres/index.ts';
import { validateAppend } from '../../src/eventstore/validation.ts';
import { createPgliteTestStore } from '../support/store.ts';
import { runEventStoreContract } from './contract.ts';
import { sleep } from './contract-fixtures.ts';

runEventStoreContract('pglite', async () => {
  const { store, db, close } = await createPgliteTestStore({ pollIntervalMs: 200 });
  return {
    store,
    tamper: async (sql) => {
      await db.query(sql);
    },
    // PGlite has one connection, so other writers queue behind this
    // transaction; the subscriber must still see its event exactly once.
    appendHeldOpen: (stream, events, holdMs) =>
      db.transaction(async (tx) => {
        const [outcome] = await appendInTransaction(tx, [
          { stream, events: validateAppend(stream, events, 'any'), expectedRevision: 'any' },
        ]);
        if (!outcome!.ok) throw outcome!.error;
        await sleep(holdMs);
      }),
    close,
  };
});
