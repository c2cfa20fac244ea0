// SqlDatabase over a node-postgres pool.

import pg from 'pg';
import type { QueryResult, SqlDatabase, SqlExecutor } from './sql.ts';

// BIGINT (int8) columns come back as strings by default; our int8 values
// (positions, paise totals) stay far below 2^53, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Distinct statement texts prepared per pool; texts beyond it run unnamed (parsed each time). */
const MAX_PREPARED_STATEMENTS = 1000;

/**
 * A name per distinct parameterised statement text. The portal's queries are
 * a few dozen fixed texts run thousands of times; naming them spares Postgres
 * the parse and plan and the client a message per query. Texts built at run
 * time (table names of a rebuild's schema) are few, and the cap bounds them.
 */
function preparedStatementNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = `ml_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
}

const LISTEN_RETRY_MIN_MS = 250;
const LISTEN_RETRY_MAX_MS = 5_000;

export function postgresDatabase(connectionString: string, poolSize = 10): SqlDatabase {
  // jit off: the planner prices statements over the fast-growing events table
  // high enough to JIT-compile them (~200 ms a statement measured) for work
  // that takes a few ms; none of this OLTP needs it. A URL's own options win.
  const pool = new pg.Pool({ connectionString, max: poolSize, options: '-c jit=off' });
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on('error', () => {});

  const statementName = preparedStatementNames();
  let statements = 0;
  const run = async <Row>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    params?: unknown[],
  ): Promise<QueryResult<Row>> => {
    // With parameters, a named statement: each connection parses and plans it once.
    const name = params && params.length > 0 ? statementName(text) : undefined;
    statements++;
    const result = await client.query(name ? { name, text, values: params } : text, params);
    return { rows: result.rows as Row[], affectedRows: result.rowCount ?? 0 };
  };

  return {
    kind: 'postgres',
    poolStats: () => ({
      ...{ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
      statements,
    }),
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client has no pool listener: without one, a connection the
      // server drops (restart, crash) emits 'error' unhandled and ends the process.
      // The failing query rejects anyway; the broken client is then discarded.
      let broken: Error | undefined;
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      const tx: SqlExecutor = { query: (text, params) => run(client, text, params) };
      try {
        statements += 2;
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        // A broken client keeps the handler: it may still emit while being discarded.
        if (!broken) client.off('error', onError);
        client.release(broken);
      }
    },
    async listen(channel, onNotify) {
      const listener = (message: pg.Notification) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      };
      let stopped = false;
      let retryMs = LISTEN_RETRY_MIN_MS;
      let retry: NodeJS.Timeout | undefined;
      let current: { client: pg.PoolClient; release(destroy: boolean): void } | undefined;
      // One dedicated connection; when the server drops it, discard it and LISTEN
      // again on a new one (retrying with backoff while the server is away).
      // Notifications sent meanwhile are lost: listeners also poll.
      const connect = async (): Promise<void> => {
        const client = await pool.connect();
        let released = false;
        const release = (destroy: boolean) => {
          if (released) return;
          released = true;
          client.off('notification', listener);
          client.release(destroy || undefined);
          // A destroyed client keeps the handler: it may emit more than one error.
          if (!destroy) client.off('error', onError);
        };
        const onError = () => {
          const wasListening = current?.client === client;
          release(true);
          if (!wasListening) return; // a failed LISTEN: connect() rejects and reconnect retries
          current = undefined;
          if (!stopped) retry = setTimeout(reconnect, retryMs);
        };
        client.on('error', onError);
        client.on('notification', listener);
        try {
          await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        } catch (error) {
          release(true);
          throw error;
        }
        if (released) throw new Error('LISTEN connection lost');
        if (stopped) return release(false);
        current = { client, release };
        retryMs = LISTEN_RETRY_MIN_MS;
      };
      const reconnect = () => {
        if (stopped) return;
        connect().catch(() => {
          retryMs = Math.min(retryMs * 2, LISTEN_RETRY_MAX_MS);
          if (!stopped) retry = setTimeout(reconnect, retryMs);
        });
      };
      await connect();
      return async () => {
        stopped = true;
        clearTimeout(retry);
        const listening = current;
        current = undefined;
        if (!listening) return;
        await listening.client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
        listening.release(false);
      };
    },
    close: () => pool.end(),
  };
}
