// Rebuilding read models from position 0 without downtime: the events are
// applied into fresh tables in a staging schema while the live tables keep
// serving; then one transaction, holding each projection's lock (so its live
// runner is between batches), drops the live tables, moves the staging ones
// into `read` and stores the staging checkpoint. A live runner that finds the
// checkpoint moved resubscribes from it. A crash before the swap leaves the
// live tables untouched and only an orphaned staging schema behind.
//
// Speed (docs/projections.md, "Rebuild"): pages of 20,000 events; the read
// models are dealt into a few lanes, each with its own connection and
// transaction per page, so Postgres applies one lane while Node prepares the
// next; staging commits do not wait for the WAL flush; indexes only queries
// use are created after the rows are in.

import { randomBytes } from 'node:crypto';
import type { SqlDatabase } from '../db/sql.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { applyEvents, handles, lockProjection, useSchema } from './apply.ts';
import { ensureReadSchema, readCheckpoint, runScript } from './schema.ts';
import { CHECKPOINT_CHANNEL, READ_SCHEMA, type Projection } from './types.ts';

export interface RebuildOptions {
  store: EventStore;
  readDb: SqlDatabase;
  projections: Projection[];
  /** Events per page (default 20,000). */
  batchSize?: number;
  /**
   * Staging transactions running at once (default 3): the read models are
   * dealt into this many lanes, each applying its read models' share of a page
   * in one transaction on its own connection, so Postgres works on one page
   * while Node prepares the next.
   */
  lanes?: number;
  /** Called after each page is applied by every read model, with the events read so far. */
  onProgress?: (eventsDone: number) => void;
  /** Attempts at a swap whose staging copy fell behind the live runner (default 5). */
  maxSwapAttempts?: number;
}

export interface RebuildResult {
  events: number;
  position: string | null;
}

// Pages read ahead of the slowest lane: bounds memory to a few pages of events.
const PAGES_AHEAD = 2;

export async function rebuildProjections(options: RebuildOptions): Promise<RebuildResult> {
  const { store, readDb, projections, batchSize = 20_000, maxSwapAttempts = 5 } = options;
  const laneCount = Math.max(1, Math.min(options.lanes ?? 3, projections.length));
  const lanes = Array.from({ length: laneCount }, (_, i) =>
    projections.filter((_p, j) => j % laneCount === i),
  );
  const postgres = readDb.kind === 'postgres';
  await ensureReadSchema(readDb);
  const staging = `read_rebuild_${randomBytes(4).toString('hex')}`;
  await readDb.query(`CREATE SCHEMA ${staging}`);
  // CREATE INDEX statements (schema-qualified by pg_indexes) run after loading.
  const deferredIndexes: string[] = [];
  try {
    await readDb.transaction(async (tx) => {
      await useSchema(tx, staging);
      for (const projection of projections) await runScript(tx, projection.schemaSql);
      const { rows } = await tx.query<{ indexname: string; indexdef: string }>(
        'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = ANY($2)',
        [staging, projections.flatMap((p) => p.queryIndexes ?? [])],
      );
      for (const { indexname, indexdef } of rows) {
        await tx.query(`DROP INDEX ${indexname}`);
        deferredIndexes.push(indexdef);
      }
    });
    // Each lane's staging transaction: its read models' share of one page.
    const applyLane = (lane: Projection[], batch: RecordedEvent[]) =>
      readDb.transaction(async (tx) => {
        await useSchema(tx, staging);
        // Losing the last staging commits in a crash loses nothing: the staging
        // schema is dropped with them. The swap itself commits synchronously.
        if (postgres) await tx.query('SET LOCAL synchronous_commit = off');
        for (const projection of lane) {
          const relevant = batch.filter((e) => handles(projection, e.type));
          if (relevant.length > 0) await applyEvents(tx, projection, relevant);
        }
      });

    let position: string | null = null;
    let events = 0;
    const catchUp = async () => {
      const laneDone: Promise<void>[] = lanes.map(() => Promise.resolve());
      const pagesDone: Promise<void>[] = [];
      let page = store.readAll({
        ...(position === null ? {} : { after: position }),
        limit: batchSize,
      });
      try {
        for (;;) {
          const batch: RecordedEvent[] = await page;
          if (batch.length === 0) break;
          // Read the next page while this one is applied.
          const last = batch[batch.length - 1]!.position;
          page = store.readAll({ after: last, limit: batchSize });
          page.catch(() => {});
          lanes.forEach((lane, i) => {
            laneDone[i] = laneDone[i]!.then(() => applyLane(lane, batch));
          });
          const done = Promise.all(laneDone).then(() => {
            position = last;
            events += batch.length;
            options.onProgress?.(events);
          });
          done.catch(() => {});
          pagesDone.push(done);
          while (pagesDone.length > PAGES_AHEAD) await pagesDone.shift();
        }
        await Promise.all(pagesDone);
      } finally {
        // On failure, let transactions in flight end before the staging schema goes.
        await Promise.allSettled(laneDone);
      }
    };
    await catchUp();
    for (const indexdef of deferredIndexes) await readDb.query(indexdef);
    for (let attempt = 1; ; attempt++) {
      // Events appended while the indexes were built.
      await catchUp();
      const swapped = await swapIn(
        readDb,
        store,
        projections,
        staging,
        position,
        attempt >= maxSwapAttempts,
      );
      if (swapped) return { events, position };
    }
  } finally {
    await readDb.query(`DROP SCHEMA IF EXISTS ${staging} CASCADE`);
  }
}

/**
 * Swaps the staging tables in, unless a live runner has already gone past
 * the staging copy (swapping then would show older rows until the next
 * event); `force` swaps anyway and lets the runner resubscribe.
 */
async function swapIn(
  readDb: SqlDatabase,
  store: EventStore,
  projections: Projection[],
  staging: string,
  position: string | null,
  force: boolean,
): Promise<boolean> {
  return readDb.transaction(async (tx) => {
    const names = projections.map((p) => p.name).sort();
    for (const name of names) await lockProjection(tx, name);
    if (!force) {
      for (const name of names) {
        const live = (await readCheckpoint(tx, name))?.position ?? null;
        const ahead =
          live !== null && (position === null || store.comparePositions(live, position) > 0);
        if (ahead) return false;
      }
    }
    for (const projection of projections) {
      for (const table of projection.tables) {
        await tx.query(`DROP TABLE IF EXISTS ${READ_SCHEMA}.${table} CASCADE`);
        await tx.query(`ALTER TABLE ${staging}.${table} SET SCHEMA ${READ_SCHEMA}`);
      }
      await tx.query(
        `INSERT INTO read.checkpoints (name, position, version) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE
         SET position = excluded.position, version = excluded.version, updated_at = now()`,
        [projection.name, position, projection.version],
      );
      await tx.query('SELECT pg_notify($1, $2)', [CHECKPOINT_CHANNEL, projection.name]);
    }
    return true;
  });
}
