// A minimal SQL port over node-postgres and PGlite, so that the same SQL serves
// the Postgres deployment and the embedded default.

export interface QueryResult<Row> {
  rows: Row[];
  affectedRows?: number;
}

export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>>;
}

/** A connection pool's state right now (node-postgres only). */
export interface PoolStats {
  /** Connections open, idle or busy. */
  total: number;
  idle: number;
  /** Queries and transactions waiting for a connection. */
  waiting: number;
  /** Statements sent since the pool opened (BEGIN and COMMIT included): round trips. */
  statements: number;
}

export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** The pool's state, for benchmarks and metrics; absent where there is no pool. */
  poolStats?(): PoolStats;
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; resolves to an unlisten function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
