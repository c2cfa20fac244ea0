// Rebuilding read models into a scratch schema that is never swapped in: the
// audit's "projections rebuilt equal live" check builds a second copy of
// every read model from position 0 with the same handlers the live runners
// and `rebuildProjections` use, and compares it with `read.*`. Each read model
// can be advanced on its own to a given position, so it can be compared with
// the live copy exactly at the live checkpoint.

import { randomBytes } from 'node:crypto';
import type { SqlDatabase, SqlExecutor } from '../db/sql.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { applyEvents, handles, useSchema } from './apply.ts';
import { runScript } from './schema.ts';
import type { Projection } from './types.ts';

export interface ScratchReadModels {
  /** The schema holding the scratch tables (unqualified names as in `read`). */
  schema: string;
  /** Position each read model has been applied to in the scratch schema (null: nothing yet). */
  positionOf(name: string): string | null;
  /**
   * Applies the events after the read models' scratch positions up to and
   * including `upTo` (null: nothing) to the named read models. Resolves to
   * the number of events read.
   */
  advance(projections: Projection[], upTo: string | null): Promise<number>;
  /**
   * Inside the caller's transaction (which may hold the read model's lock),
   * applies those of `events` after its scratch position, up to and including
   * `upTo`, to one read model. The caller read `events` beforehand and
   * passes every event up to `upTo`.
   */
  advanceWithin(
    tx: SqlExecutor,
    projection: Projection,
    events: RecordedEvent[],
    upTo: string,
  ): Promise<void>;
  /** Drops the scratch schema. */
  drop(): Promise<void>;
}

export interface ScratchOptions {
  store: EventStore;
  readDb: SqlDatabase;
  projections: Projection[];
  /** Schema name prefix (default `read_scratch`). */
  prefix?: string;
  /** Events per page and per transaction (default 5,000). */
  batchSize?: number;
}

/** Creates a scratch schema with empty tables of every given read model. */
export async function createScratchReadModels(options: ScratchOptions): Promise<ScratchReadModels> {
  const { store, readDb, projections, batchSize = 5000 } = options;
  const schema = `${options.prefix ?? 'read_scratch'}_${randomBytes(4).toString('hex')}`;
  await readDb.query(`CREATE SCHEMA ${schema}`);
  await readDb.transaction(async (tx) => {
    await useSchema(tx, schema);
    for (const projection of projections) await runScript(tx, projection.schemaSql);
  });
  const positions = new Map<string, string | null>(projections.map((p) => [p.name, null]));
  const behind = (position: string | null, upTo: string) =>
    position === null || store.comparePositions(position, upTo) < 0;

  const advance = async (group: Projection[], upTo: string | null): Promise<number> => {
    if (upTo === null) return 0;
    const due = group.filter((p) => behind(positions.get(p.name) ?? null, upTo));
    if (due.length === 0) return 0;
    // Read from the earliest scratch position among them; each read model skips what it has.
    let after: string | null = null;
    for (const p of due) {
      const at = positions.get(p.name) ?? null;
      if (at === null) {
        after = null;
        break;
      }
      if (after === null || store.comparePositions(at, after) < 0) after = at;
    }
    let read = 0;
    for (;;) {
      const page: RecordedEvent[] = await store.readAll({
        ...(after === null ? {} : { after }),
        limit: batchSize,
      });
      const batch = page.filter((e) => store.comparePositions(e.position, upTo) <= 0);
      if (batch.length > 0) {
        await readDb.transaction(async (tx) => {
          await useSchema(tx, schema);
          for (const projection of due) {
            const from = positions.get(projection.name) ?? null;
            const fresh = batch.filter(
              (e) =>
                handles(projection, e.type) &&
                (from === null || store.comparePositions(e.position, from) > 0),
            );
            if (fresh.length > 0) await applyEvents(tx, projection, fresh);
          }
        });
        read += batch.length;
        after = batch[batch.length - 1]!.position;
      }
      if (batch.length < page.length || page.length < batchSize) break;
    }
    // Positions move to `upTo` even when the log held fewer events (the live
    // checkpoint names the last event its runner read, which we read too).
    for (const projection of due) positions.set(projection.name, upTo);
    return read;
  };

  const advanceWithin = async (
    tx: SqlExecutor,
    projection: Projection,
    events: RecordedEvent[],
    upTo: string,
  ): Promise<void> => {
    const from = positions.get(projection.name) ?? null;
    const fresh = events.filter(
      (e) =>
        handles(projection, e.type) &&
        (from === null || store.comparePositions(e.position, from) > 0) &&
        store.comparePositions(e.position, upTo) <= 0,
    );
    if (fresh.length > 0) {
      await useSchema(tx, schema);
      await applyEvents(tx, projection, fresh);
    }
    positions.set(projection.name, upTo);
  };

  return {
    schema,
    positionOf: (name) => positions.get(name) ?? null,
    advance,
    advanceWithin,
    drop: async () => {
      await readDb.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}
