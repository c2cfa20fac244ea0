// Log readers only see transactions older than every running one on the
// Postgres server, and other suites keep the server busy: before a checkpoint
// or an audit must see every event, wait until the whole table is readable.

import type { SqlDatabase } from '../../src/db/sql.ts';
import type { EventStore } from '../../src/eventstore/port.ts';

async function readableCount(store: EventStore): Promise<number> {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.readAll(
      after === undefined ? { limit: 1000 } : { after, limit: 1000 },
    );
    count += page.length;
    if (page.length < 1000) return count;
    after = page[page.length - 1]!.position;
  }
}

export async function waitForWholeLog(store: EventStore, db: SqlDatabase): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM events');
    if ((await readableCount(store)) >= Number(rows[0]!.n)) return;
    if (Date.now() > deadline) throw new Error('the log did not become readable in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
