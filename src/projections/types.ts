// The shape of a read model: the tables it owns (created in whatever schema
// is first on the search_path: `read` when live, a staging schema during a
// rebuild) and how each event type changes them. Handlers write unqualified
// table names for exactly that reason; query functions read `read.<table>`.

import type { SqlExecutor } from '../db/sql.ts';
import type { RecordedEvent } from '../eventstore/port.ts';

/** Applies one event inside the runner's transaction. */
export type EventHandler = (tx: SqlExecutor, event: RecordedEvent) => Promise<unknown>;

/**
 * Applies a run of consecutive events of one type in one go (e.g. one
 * multi-row INSERT for thousands of readings). Events come in log order.
 */
export type BatchHandler = (tx: SqlExecutor, events: RecordedEvent[]) => Promise<unknown>;

export interface Projection {
  /** Checkpoint name; also how `ledger rebuild <name>` refers to it. */
  name: string;
  /** Bump when the tables or handlers change meaning: a stored older version is rebuilt. */
  version: number;
  /** CREATE TABLE / INDEX statements with unqualified names; run once per (re)build. */
  schemaSql: string;
  /** The tables `schemaSql` creates, so a rebuild knows what to swap. */
  tables: string[];
  /**
   * Indexes of `schemaSql` that only query functions read through, never a
   * handler: a rebuild creates them after loading the rows (one sort instead
   * of an index insert per row).
   */
  queryIndexes?: string[];
  handlers: Partial<Record<string, EventHandler>>;
  /** Preferred over `handlers` for the same type when present. */
  batchHandlers?: Partial<Record<string, BatchHandler>>;
  /** Sees every event, whatever its type, after the type-specific handlers of the batch. */
  everyEvent?: BatchHandler;
}

/** Live (`read`) or a rebuild's staging schema. */
export const READ_SCHEMA = 'read';
export const CHECKPOINT_CHANNEL = 'read_checkpoints';
