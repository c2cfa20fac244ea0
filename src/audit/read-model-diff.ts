// Comparing one read-model table in `read` with its rebuilt copy in a scratch
// schema, row by row, matched on the table's primary key. Rows are compared
// as JSON (every column), so types without an equality operator compare too.
// A difference is reported by key and column names only: read-model rows can
// hold personal data (sealed or not), and audit output must not show it.

import type { SqlExecutor } from '../db/sql.ts';

export interface TableDiff {
  /** Rows missing on one side or different on both. */
  differing: number;
  /** The smallest differing primary key, as a JSON array of its columns. */
  firstKey: string;
  /** Where the first differing row is: both sides with these columns different, or one side only. */
  detail: string;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The table's primary-key columns in key order (empty when it has none). */
export async function primaryKeyColumns(
  db: SqlExecutor,
  schema: string,
  table: string,
): Promise<string[]> {
  const { rows } = await db.query<{ column: string }>(
    `SELECT a.attname AS column
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [`${ident(schema)}.${ident(table)}`],
  );
  return rows.map((r) => r.column);
}

/** Null when `live.table` and `rebuilt.table` hold the same rows; else the first difference. */
export async function diffTable(
  db: SqlExecutor,
  table: string,
  live: string,
  rebuilt: string,
): Promise<TableDiff | null> {
  const keyColumns = await primaryKeyColumns(db, rebuilt, table);
  // Without a primary key, every column together is the key.
  const key = keyColumns.length
    ? `jsonb_build_array(${keyColumns.map((c) => `t.${ident(c)}`).join(', ')})`
    : 'to_jsonb(t)';
  const side = (schema: string) =>
    `SELECT ${key} AS k, to_jsonb(t) AS r FROM ${ident(schema)}.${ident(table)} t`;
  const { rows } = await db.query<{
    k: unknown;
    live: Record<string, unknown> | null;
    rebuilt: Record<string, unknown> | null;
    differing: string;
  }>(
    `WITH l AS (${side(live)}), s AS (${side(rebuilt)})
     SELECT coalesce(l.k, s.k) AS k, l.r AS live, s.r AS rebuilt, count(*) OVER () AS differing
       FROM l FULL JOIN s ON l.k = s.k
      WHERE l.r IS DISTINCT FROM s.r
      ORDER BY 1
      LIMIT 1`,
  );
  const first = rows[0];
  if (!first) return null;
  return {
    differing: Number(first.differing),
    firstKey: JSON.stringify(first.k),
    detail: describe(first.live, first.rebuilt),
  };
}

function describe(
  live: Record<string, unknown> | null,
  rebuilt: Record<string, unknown> | null,
): string {
  if (live === null) return 'missing from the live table';
  if (rebuilt === null) return 'in the live table but not in the rebuild';
  const columns = [...new Set([...Object.keys(live), ...Object.keys(rebuilt)])].filter(
    (c) => JSON.stringify(live[c]) !== JSON.stringify(rebuilt[c]),
  );
  return `columns ${columns.join(', ')} differ`;
}
