// The `read` schema's shared tables: checkpoints (one row per read model:
// how far it has applied the log, and which version of its code built it) and
// meter presence, which the gateway writes directly because connection state
// is not an event (see docs/projections.md). Also installs a read model's own
// tables the first time it runs.

import type { SqlDatabase } from '../db/sql.ts';
import { lockProjection, useSchema } from './apply.ts';
import { READ_SCHEMA, type Projection } from './types.ts';

const BASE_SQL = `
CREATE SCHEMA IF NOT EXISTS read;
CREATE TABLE IF NOT EXISTS read.checkpoints (
  name text PRIMARY KEY,
  position text,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS read.meter_presence (
  meter_id text PRIMARY KEY,
  gateway_id text,
  online boolean NOT NULL,
  last_seen_at timestamptz NOT NULL
);`;

export async function ensureReadSchema(db: SqlDatabase): Promise<void> {
  // Two processes starting at once would race on CREATE ... IF NOT EXISTS.
  await db.transaction(async (tx) => {
    await lockProjection(tx, '*schema*');
    await runScript(tx, BASE_SQL);
  });
}

export interface Checkpoint {
  position: string | null;
  version: number;
}

export async function readCheckpoint(
  db: Pick<SqlDatabase, 'query'>,
  name: string,
): Promise<Checkpoint | null> {
  const { rows } = await db.query<Checkpoint>(
    'SELECT position, version FROM read.checkpoints WHERE name = $1',
    [name],
  );
  return rows[0] ?? null;
}

/**
 * Creates the projection's tables and checkpoint row if it has none yet.
 * Returns `stale` when the stored tables were built by another version, so
 * the caller rebuilds them.
 */
export async function installProjection(
  db: SqlDatabase,
  projection: Projection,
): Promise<'installed' | 'current' | 'stale'> {
  return db.transaction(async (tx) => {
    await lockProjection(tx, projection.name);
    const existing = await readCheckpoint(tx, projection.name);
    if (existing) return existing.version === projection.version ? 'current' : 'stale';
    await useSchema(tx, READ_SCHEMA);
    for (const table of projection.tables) await tx.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    await runScript(tx, projection.schemaSql);
    await tx.query('INSERT INTO read.checkpoints (name, position, version) VALUES ($1, NULL, $2)', [
      projection.name,
      projection.version,
    ]);
    return 'installed';
  });
}

/** Runs a multi-statement script one statement at a time (PGlite's query takes one). */
export async function runScript(tx: Pick<SqlDatabase, 'query'>, script: string): Promise<void> {
  for (const statement of script.split(';').filter((s) => s.trim() !== '')) {
    await tx.query(statement);
  }
}
