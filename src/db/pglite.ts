// SqlDatabase over PGlite: real Postgres compiled to WASM, in-process. One
// connection, so transactions are serialised by PGlite itself.

import { PGlite } from '@electric-sql/pglite';
import type { QueryResult, SqlDatabase, SqlExecutor } from './sql.ts';

/** `dataDir` undefined keeps the database in memory (tests). */
export async function pgliteDatabase(dataDir?: string): Promise<SqlDatabase> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const toResult = <Row>(result: { rows: unknown[]; affectedRows?: number }): QueryResult<Row> => ({
    rows: result.rows as Row[],
    affectedRows: result.affectedRows ?? 0,
  });
  // PGlite's `query` takes one statement; `exec` runs a script without parameters.
  const run = async <Row>(
    executor: Pick<PGlite, 'query' | 'exec'>,
    text: string,
    params?: unknown[],
  ): Promise<QueryResult<Row>> => {
    if (params === undefined && text.includes(';')) {
      const results = await executor.exec(text);
      return toResult<Row>(results[results.length - 1] ?? { rows: [] });
    }
    return toResult<Row>(await executor.query(text, params));
  };

  return {
    kind: 'pglite',
    query: (text, params) => run(db, text, params),
    transaction: (fn) =>
      db.transaction((tx) => {
        const executor: SqlExecutor = { query: (text, params) => run(tx, text, params) };
        return fn(executor);
      }),
    async listen(channel, onNotify) {
      const unlisten = await db.listen(channel, onNotify);
      return async () => unlisten();
    },
    close: () => db.close(),
  };
}
