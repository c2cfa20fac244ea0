// Rebuilding read models from position 0 without downtime: the events are
// applied into fresh tables in a staging schema while the live tables keep
// serving; then one transaction, holding each projection's lock (so its live
// runner is between batches), drops the live tables, moves the staging ones
// into `read` and stores the staging checkpoint. A live runner that finds the
// checkpoint moved resubscribes from it. A crash before the swap leaves the
// live tables untouched and only an orphaned staging schema behind.

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
  /** Events per page and per staging transaction (default 5,000). */
  batchSize?: number;
  /** Called after each applied page with the number of events read so far. */
  onProgress?: (eventsDone: number) => void;
  /** Attempts at a swap whose staging copy fell behind the live runner (default 5). */
  maxSwapAttempts?: number;
}

export interface RebuildResult {
  events: number;
  position: string | null;
}

export async function rebuildProjections(options: RebuildOptions): Promise<RebuildResult> {
  const { store, readDb, projections, batchSize = 5000, maxSwapAttempts = 5 } = options;
  await ensureReadSchema(readDb);
  const staging = `read_rebuild_${randomBytes(4).toString('hex')}`;
  await readDb.query(`CREATE SCHEMA ${staging}`);
  try {
    await readDb.transaction(async (tx) => {
      await useSchema(tx, staging);
      for (const projection of projections) await runScript(tx, projection.schemaSql);
    });
    let position: string | null = null;
    let events = 0;
    const catchUp = async () => {
      let page = store.readAll({
        ...(position === null ? {} : { after: position }),
        limit: batchSize,
      });
      for (;;) {
        const batch: RecordedEvent[] = await page;
        if (batch.length === 0) return;
        // Read the next page while this one is applied.
        const last = batch[batch.length - 1]!.position;
        page = store.readAll({ after: last, limit: batchSize });
        page.catch(() => {});
        await readDb.transaction(async (tx) => {
          await useSchema(tx, staging);
          for (const projection of projections) {
            const relevant = batch.filter((e) => handles(projection, e.type));
            if (relevant.length > 0) await applyEvents(tx, projection, relevant);
          }
        });
        position = last;
        events += batch.length;
        options.onProgress?.(events);
      }
    };
    for (let attempt = 1; ; attempt++) {
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
