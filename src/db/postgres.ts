// SqlDatabase over a node-postgres pool.

import pg from 'pg';
import type { QueryResult, SqlDatabase, SqlExecutor } from './sql.ts';

// BIGINT (int8) columns come back as strings by default; our int8 values
// (positions, paise totals) stay far below 2^53, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function postgresDatabase(connectionString: string, poolSize = 10): SqlDatabase {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on('error', () => {});

  const run = async <Row>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    params?: unknown[],
  ): Promise<QueryResult<Row>> => {
    const result = await client.query(text, params);
    return { rows: result.rows as Row[], affectedRows: result.rowCount ?? 0 };
  };

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const client = await pool.connect();
      const tx: SqlExecutor = { query: (text, params) => run(client, text, params) };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      const client = await pool.connect();
      const listener = (message: pg.Notification) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      };
      client.on('notification', listener);
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        client.off('notification', listener);
        await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
        client.release();
      };
    },
    close: () => pool.end(),
  };
}
