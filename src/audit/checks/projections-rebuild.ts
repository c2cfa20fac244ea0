// Check: every read model rebuilt from position 0 equals the live one. The
// read models are rebuilt into a scratch schema (the handlers the live
// runners use, `createScratchReadModels`), never swapped in, then compared
// table by table, row by row, at the live checkpoint: under the read model's
// lock (its live runner waits between batches) the scratch copy is brought to
// the live checkpoint, from events read just before, and compared. Works with
// the server running or stopped; needs the read-model database.

import type { SqlDatabase } from '../../db/sql.ts';
import type { EventStore, RecordedEvent } from '../../eventstore/port.ts';
import { lockProjection } from '../../projections/apply.ts';
import { allProjections } from '../../projections/index.ts';
import {
  createScratchReadModels,
  type ScratchReadModels,
} from '../../projections/rebuild-into-schema.ts';
import { readCheckpoint } from '../../projections/schema.ts';
import { READ_SCHEMA, type Projection } from '../../projections/types.ts';
import type { AuditCheck, AuditFailure, CheckResult } from '../check.ts';
import { diffTable } from '../read-model-diff.ts';

/** Attempts at catching a read model whose live runner keeps moving. */
const MAX_ATTEMPTS = 20;

/** Not a stream revision: read-model failures name a table and a key instead. */
export const READ_MODEL_REVISION = -1;

type Compared =
  | { kind: 'compared'; failures: AuditFailure[]; tables: number }
  | { kind: 'moved'; position: string | null }
  | { kind: 'moved-back' }
  | { kind: 'absent' };

/** Events read ahead of a read model's scratch copy, to close the gap under its lock. */
const LOOKAHEAD = 5000;

/**
 * Compares one read model with its scratch copy at the live checkpoint. Under
 * the read model's lock the live checkpoint stands still; if it is ahead of
 * the scratch copy, `ahead` (events read just before, outside the lock: a
 * store read inside it could wait on the same embedded database) brings the
 * copy there first, when it reaches that far.
 */
async function compareAtCheckpoint(
  readDb: SqlDatabase,
  store: EventStore,
  scratch: ScratchReadModels,
  projection: Projection,
  ahead: RecordedEvent[],
): Promise<Compared> {
  return readDb.transaction(async (tx): Promise<Compared> => {
    await lockProjection(tx, projection.name);
    const checkpoint = await readCheckpoint(tx, projection.name);
    if (!checkpoint) return { kind: 'absent' };
    const live = checkpoint.position;
    const ours = scratch.positionOf(projection.name);
    const cmp = (a: string | null, b: string | null) =>
      a === b ? 0 : a === null ? -1 : b === null ? 1 : store.comparePositions(a, b);
    if (cmp(live, ours) < 0) return { kind: 'moved-back' };
    if (cmp(live, ours) > 0) {
      const reach = ahead.at(-1)?.position ?? null;
      if (cmp(live, reach) > 0) return { kind: 'moved', position: live };
      await scratch.advanceWithin(tx, projection, ahead, live!);
    }
    const failures: AuditFailure[] = [];
    for (const table of projection.tables) {
      const diff = await diffTable(tx, table, READ_SCHEMA, scratch.schema);
      if (!diff) continue;
      failures.push({
        stream: `${READ_SCHEMA}.${table}`,
        revision: READ_MODEL_REVISION,
        reason:
          `read model ${projection.name} differs from its rebuild at position ${live ?? 'start'}: ` +
          `first key ${diff.firstKey}: ${diff.detail} (${diff.differing} rows differ)`,
      });
    }
    return { kind: 'compared', failures, tables: projection.tables.length };
  });
}

async function compareReadModel(
  readDb: SqlDatabase,
  store: EventStore,
  scratch: ScratchReadModels,
  projection: Projection,
): Promise<Compared> {
  let target = (await readCheckpoint(readDb, projection.name))?.position ?? null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    await scratch.advance([projection], target);
    const from = scratch.positionOf(projection.name);
    const ahead = await store.readAll({
      ...(from === null ? {} : { after: from }),
      limit: LOOKAHEAD,
    });
    const result = await compareAtCheckpoint(readDb, store, scratch, projection, ahead);
    if (result.kind !== 'moved') return result;
    target = result.position;
  }
  return { kind: 'moved', position: target };
}

async function hasReadModels(readDb: SqlDatabase): Promise<boolean> {
  const { rows } = await readDb.query<{ found: string | null }>(
    `SELECT to_regclass('${READ_SCHEMA}.checkpoints')::text AS found`,
  );
  return rows[0]?.found != null;
}

async function run(
  store: EventStore,
  readDb: SqlDatabase,
  projections: Projection[],
): Promise<CheckResult> {
  if (!(await hasReadModels(readDb))) {
    return { checked: 0, failures: [], notes: ['skipped: no read models in this database'] };
  }
  const installed: Projection[] = [];
  for (const p of projections) if (await readCheckpoint(readDb, p.name)) installed.push(p);
  const notes = projections
    .filter((p) => !installed.includes(p))
    .map((p) => `read model ${p.name} not installed`);
  const scratch = await createScratchReadModels({
    store,
    readDb,
    projections: installed,
    prefix: 'audit_rebuild',
  });
  try {
    // One pass over the log for all of them up to the least advanced live
    // checkpoint; each then catches up alone to its own.
    const starts: string[] = [];
    for (const p of installed) {
      const position = (await readCheckpoint(readDb, p.name))?.position ?? null;
      if (position !== null) starts.push(position);
    }
    const least = starts.reduce<string | null>(
      (min, p) => (min === null || store.comparePositions(p, min) < 0 ? p : min),
      null,
    );
    if (starts.length === installed.length) await scratch.advance(installed, least);
    const failures: AuditFailure[] = [];
    let checked = 0;
    for (const projection of installed) {
      const result = await compareReadModel(readDb, store, scratch, projection);
      if (result.kind === 'compared') {
        checked += result.tables;
        failures.push(...result.failures);
      } else if (result.kind === 'moved') {
        notes.push(`read model ${projection.name} not compared: its live checkpoint kept moving`);
      } else if (result.kind === 'moved-back') {
        notes.push(`read model ${projection.name} not compared: it is being rebuilt`);
      }
    }
    return { checked, failures, notes };
  } finally {
    await scratch.drop();
  }
}

/** The check over the given read models (default: all of them). */
export function projectionsRebuildCheckOf(projections: Projection[] = allProjections): AuditCheck {
  return {
    id: 'projections-rebuild',
    title: 'read-model tables rebuilt from position 0 equal the live ones',
    start: ({ store, db }) => ({
      observe: () => {},
      finish: async () =>
        db
          ? run(store, db, projections)
          : { checked: 0, failures: [], notes: ['skipped: no read-model database given'] },
    }),
  };
}

export const projectionsRebuildCheck = projectionsRebuildCheckOf();
