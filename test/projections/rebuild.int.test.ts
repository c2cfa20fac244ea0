// Rebuild equals live: a generated workload across every feature is applied
// by the live runners while it is being appended; rebuilding every read model
// from position 0 must then give exactly the same rows, and the live runners
// must carry on from the rebuilt checkpoint. Run on Postgres and on PGlite.

import { afterEach, describe, expect, it } from 'vitest';
import { allProjections, startProjections } from '../../src/projections/index.ts';
import { rebuildProjections } from '../../src/projections/rebuild.ts';
import { readCheckpoint } from '../../src/projections/schema.ts';
import type { Projection } from '../../src/projections/types.ts';
import {
  createPgliteTestStore,
  createPostgresTestStore,
  type TestStore,
} from '../support/store.ts';
import { dumpReadModels } from './fixtures/dump.ts';
import * as ev from './fixtures/events.ts';
import { workload, type WorkloadSize } from './fixtures/workload.ts';

let t: TestStore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function rebuildEqualsLive(store: TestStore, size: WorkloadSize) {
  const running = await startProjections({ store: store.store, readDb: store.db, batchSize: 300 });
  try {
    let appended = 0;
    // The last position written (headPosition may lag behind other sessions' open transactions).
    let head = '';
    for (const appends of workload(size)) {
      for (const outcome of await store.store.appendMany(appends)) {
        if (!outcome.ok) throw outcome.error;
        const { position } = outcome.result;
        if (head === '' || store.store.comparePositions(position, head) > 0) head = position;
      }
      appended += appends.reduce((n, a) => n + a.events.length, 0);
    }
    expect(await running.waitFor(head, { timeoutMs: 60_000 })).toBe(true);
    const live = await dumpReadModels(store.db, allProjections);
    expect(live.activity!.length).toBe(appended);
    expect(live.meter_readings!.length).toBeGreaterThan(size.properties);
    expect(live.bill_lines!.length).toBeGreaterThan(0);

    const progress: number[] = [];
    const result = await rebuildProjections({
      store: store.store,
      readDb: store.db,
      projections: allProjections,
      batchSize: 700,
      onProgress: (done) => progress.push(done),
    });
    expect(result).toEqual({ events: appended, position: head });
    expect(progress.at(-1)).toBe(appended);
    expect(await dumpReadModels(store.db, allProjections)).toEqual(live);
    for (const p of allProjections) {
      expect((await readCheckpoint(store.db, p.name))?.position).toBe(head);
    }
    const { rows } = await store.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name LIKE 'read_rebuild%'",
    );
    expect(rows[0]!.n).toBe(0);
    // Indexes a rebuild defers until the rows are loaded are back in place.
    const indexes = await store.db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'read'",
    );
    const deferred = allProjections.flatMap((p) => p.queryIndexes ?? []);
    expect(deferred.length).toBeGreaterThan(0);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(deferred));

    // The live runners continue from the rebuilt checkpoint.
    const { position } = await store.store.append('ticket-after', [
      ev.ticketOpened('after', 'p0', 'someone', '2026-09-01T00:00:00.000Z'),
    ]);
    expect(await running.waitFor(position, { timeoutMs: 10_000 })).toBe(true);
    const after = await dumpReadModels(store.db, allProjections);
    expect(after.activity!.length).toBe(appended + 1);
    expect(after.tickets!.length).toBe(live.tickets!.length + 1);
  } finally {
    await running.stop();
  }
}

describe('rebuild equals live', () => {
  it('on Postgres, with thousands of events across every feature', async () => {
    t = await createPostgresTestStore({ pollIntervalMs: 50 });
    await rebuildEqualsLive(t, { seed: 42, properties: 60, readingsPerPeriod: 12, periods: 3 });
  }, 120_000);

  it('on PGlite', async () => {
    t = await createPgliteTestStore({ pollIntervalMs: 50 });
    await rebuildEqualsLive(t, { seed: 7, properties: 15, readingsPerPeriod: 4, periods: 2 });
  }, 120_000);

  it('rebuilds one read model while leaving the others alone, and rejects unknown names', async () => {
    t = await createPostgresTestStore({ pollIntervalMs: 50 });
    const running = await startProjections({ store: t.store, readDb: t.db });
    try {
      const { position } = await t.store.append('ticket-t1', [
        ev.ticketOpened('t1', 'p1', 'someone', '2026-01-01T00:00:00.000Z'),
      ]);
      expect(await running.waitFor(position)).toBe(true);
      // Tamper with a read model: a rebuild of it must restore the truth.
      await t.db.query("UPDATE read.tickets SET status = 'closed'");
      await t.db.query("UPDATE read.activity SET actor = 'tampered'");
      await rebuildProjections({
        store: t.store,
        readDb: t.db,
        projections: allProjections.filter((p) => p.name === 'tickets'),
      });
      const { rows } = await t.db.query<{ status: string }>('SELECT status FROM read.tickets');
      expect(rows).toEqual([{ status: 'open' }]);
      const activity = await t.db.query<{ actor: string }>('SELECT actor FROM read.activity');
      expect(activity.rows).toEqual([{ actor: 'tampered' }]);
      const { findProjections } = await import('../../src/projections/index.ts');
      expect(() => findProjections(['nope'])).toThrow(/unknown read model nope/);
    } finally {
      await running.stop();
    }
  });

  it('fails as a whole when one lane fails mid-rebuild: live rows kept, staging dropped', async () => {
    t = await createPostgresTestStore({ pollIntervalMs: 50 });
    const running = await startProjections({ store: t.store, readDb: t.db });
    let head = '';
    try {
      for (const appends of workload({ seed: 3, properties: 8, readingsPerPeriod: 6, periods: 1 }))
        for (const outcome of await t.store.appendMany(appends)) {
          if (!outcome.ok) throw outcome.error;
          const { position } = outcome.result;
          if (head === '' || t.store.comparePositions(position, head) > 0) head = position;
        }
      expect(await running.waitFor(head, { timeoutMs: 30_000 })).toBe(true);
    } finally {
      await running.stop();
    }
    const live = await dumpReadModels(t.db, allProjections);
    const checkpoints = await t.db.query(
      'SELECT name, position FROM read.checkpoints ORDER BY name',
    );
    // The activity read model breaks on the third page it sees; the other lanes carry on meanwhile.
    let pages = 0;
    const broken: Projection[] = allProjections.map((p) =>
      p.name !== 'activity'
        ? p
        : {
            ...p,
            everyEvent: async (tx, events) => {
              if (++pages === 3) throw new Error('disk full');
              await p.everyEvent!(tx, events);
            },
          },
    );
    await expect(
      rebuildProjections({
        store: t.store,
        readDb: t.db,
        projections: broken,
        batchSize: 50,
        lanes: 3,
      }),
    ).rejects.toThrow('disk full');
    expect(pages).toBe(3);
    expect(await dumpReadModels(t.db, allProjections)).toEqual(live);
    expect(
      (await t.db.query('SELECT name, position FROM read.checkpoints ORDER BY name')).rows,
    ).toEqual(checkpoints.rows);
    const { rows } = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name LIKE 'read_rebuild%'",
    );
    expect(rows[0]!.n).toBe(0);
  });
});
