// Applying events to a read model inside a transaction the caller owns (the
// live runner's or a rebuild's). Consecutive events of one type go to that
// type's batch handler in one call, so a backlog of readings becomes a few
// multi-row statements instead of one statement per event.

import type { SqlExecutor } from '../db/sql.ts';
import type { RecordedEvent } from '../eventstore/port.ts';
import type { Projection } from './types.ts';

/** Whether the projection has anything to do with events of this type. */
export const handles = (projection: Projection, type: string): boolean =>
  projection.everyEvent !== undefined ||
  projection.batchHandlers?.[type] !== undefined ||
  projection.handlers[type] !== undefined;

export async function applyEvents(
  tx: SqlExecutor,
  projection: Projection,
  events: RecordedEvent[],
): Promise<void> {
  let start = 0;
  while (start < events.length) {
    const type = events[start]!.type;
    let end = start + 1;
    while (end < events.length && events[end]!.type === type) end++;
    const batch = projection.batchHandlers?.[type];
    if (batch) {
      await batch(tx, events.slice(start, end));
    } else {
      const handler = projection.handlers[type];
      if (handler) for (let i = start; i < end; i++) await handler(tx, events[i]!);
    }
    start = end;
  }
  if (projection.everyEvent && events.length > 0) await projection.everyEvent(tx, events);
}

/** Points unqualified table names at `schema` until the transaction ends. */
export const useSchema = (tx: SqlExecutor, schema: string): Promise<unknown> =>
  tx.query(`SELECT set_config('search_path', $1, true)`, [schema]);

/** Serialises a projection's live runner, rebuild swaps and installs (released at commit). */
export const lockProjection = (tx: SqlExecutor, name: string): Promise<unknown> =>
  tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`meterledger.projection.${name}`]);
