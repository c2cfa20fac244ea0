// The live runner of one read model: subscribes to the log after its stored
// checkpoint and applies each delivered batch in ONE transaction on the read
// database together with the new checkpoint, so a crash either keeps the
// whole batch and its checkpoint or neither (no event applied twice, none
// skipped). Inside that transaction it re-reads the stored checkpoint under
// the projection's lock: events at or before it are skipped, and if a rebuild
// swapped in tables that stand behind this runner it resubscribes from there.
// The store delivers only the event types the read model handles, unless
// those are most of the log (readings): then it delivers everything.

import type { SqlDatabase, SqlExecutor } from '../db/sql.ts';
import type { EventStore, RecordedEvent, Subscription } from '../eventstore/port.ts';
import { applyEvents, handles, lockProjection, useSchema } from './apply.ts';
import { readCheckpoint } from './schema.ts';
import { CHECKPOINT_CHANNEL, READ_SCHEMA, type Projection } from './types.ts';

export interface RunnerOptions {
  store: EventStore;
  readDb: SqlDatabase;
  projection: Projection;
  /** Largest batch applied in one transaction. */
  batchSize?: number;
  /** Told about every failure; the runner retries from its stored checkpoint. */
  onError?: (error: unknown, projection: string) => void;
  /** Called after each committed batch (in-process wake-ups for waiters). */
  onCommit?: (projection: string, position: string) => void;
  /** Delay before resubscribing after a failure (ms). */
  retryDelayMs?: number;
}

export interface ProjectionRunner {
  readonly name: string;
  /** Resolves once the runner has applied everything that was in the log when it started. */
  caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/** Thrown inside a batch when the stored checkpoint moved behind the runner (a rebuild swap). */
class CheckpointMoved extends Error {}

/** Applies `events` (those after the stored checkpoint) and stores the new checkpoint. */
export async function applyBatch(
  tx: SqlExecutor,
  store: Pick<EventStore, 'comparePositions'>,
  projection: Projection,
  events: RecordedEvent[],
  expected: string | null,
): Promise<string | null> {
  await lockProjection(tx, projection.name);
  const stored = (await readCheckpoint(tx, projection.name))?.position ?? null;
  const behind =
    expected !== null && (stored === null || store.comparePositions(stored, expected) < 0);
  if (behind) {
    throw new CheckpointMoved(`checkpoint of ${projection.name} moved back to ${stored}`);
  }
  const fresh =
    stored === null ? events : events.filter((e) => store.comparePositions(e.position, stored) > 0);
  if (fresh.length === 0) return stored;
  await useSchema(tx, READ_SCHEMA);
  await applyEvents(tx, projection, fresh);
  const position = fresh[fresh.length - 1]!.position;
  await tx.query('UPDATE read.checkpoints SET position = $2, updated_at = now() WHERE name = $1', [
    projection.name,
    position,
  ]);
  await tx.query('SELECT pg_notify($1, $2)', [CHECKPOINT_CHANNEL, projection.name]);
  return position;
}

/**
 * A batch with no event this read model handles changes none of its rows:
 * only the checkpoint moves, in one statement instead of a transaction of
 * seven round trips (under ingest, most read models see batch after batch of
 * readings they ignore). It moves only from where this runner left it; true
 * when it did. Otherwise (a rebuild moved the checkpoint meanwhile) the
 * caller takes the locked path, which sorts that out.
 */
export async function skipBatch(
  db: SqlExecutor,
  projection: Projection,
  events: RecordedEvent[],
  expected: string | null,
): Promise<boolean> {
  if (events.some((e) => handles(projection, e.type))) return false;
  return moveCheckpoint(db, projection, events[events.length - 1]!.position, expected);
}

/** Moves the checkpoint to `position` if it still stands at `expected`; true when it did. */
async function moveCheckpoint(
  db: SqlExecutor,
  projection: Projection,
  position: string,
  expected: string | null,
): Promise<boolean> {
  const { rows } = await db.query(
    `WITH moved AS (
       UPDATE read.checkpoints SET position = $2, updated_at = now()
       WHERE name = $1 AND position IS NOT DISTINCT FROM $3 RETURNING name)
     SELECT pg_notify($4, name) FROM moved`,
    [projection.name, position, expected, CHECKPOINT_CHANNEL],
  );
  return rows.length === 1;
}

/**
 * Most of the log is of these types (readings). A read model that handles
 * them would keep nearly every event, and a filter that keeps nearly
 * everything costs more than none: the store fetches each match a second
 * time (bench/subscribe-filter.bench.ts, "dense": ~1.9x the Postgres CPU).
 */
const LOG_MAJORITY_TYPES = new Set(['ReadingRecorded']);

/**
 * The event types a read model handles, for the store to filter on (the log
 * is mostly readings, which most read models ignore); null, no filter, when
 * it sees every event (`everyEvent`) or handles the readings themselves.
 */
export function handledTypes(projection: Projection): string[] | null {
  if (projection.everyEvent) return null;
  const types = new Set<string>();
  for (const handlers of [projection.handlers, projection.batchHandlers ?? {}])
    for (const [type, handler] of Object.entries(handlers)) if (handler) types.add(type);
  if ([...types].some((type) => LOG_MAJORITY_TYPES.has(type))) return null;
  return [...types];
}

export async function startRunner(options: RunnerOptions): Promise<ProjectionRunner> {
  const { store, readDb, projection, batchSize = 1000, retryDelayMs = 1000 } = options;
  let stopped = false;
  let subscription: Subscription | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));

  const subscribe = async () => {
    retryTimer = null;
    if (stopped) return;
    let position = (await readCheckpoint(readDb, projection.name))?.position ?? null;
    const types = handledTypes(projection);
    const current = store.subscribe({
      ...(position === null ? {} : { after: position }),
      batchSize,
      // Events of other types are left out by the store; the checkpoint still
      // moves past them (onSkipped), so waiters for their positions are
      // answered and a restart does not read them again.
      ...(types === null || types.length === 0
        ? {}
        : {
            eventTypes: types,
            onSkipped: async (to: string) => {
              const expected = position;
              position = (await moveCheckpoint(readDb, projection, to, expected))
                ? to
                : await readDb.transaction((tx) => applyBatch(tx, store, projection, [], expected));
              if (position !== null) options.onCommit?.(projection.name, position);
            },
          }),
      handler: async (events) => {
        const expected = position;
        position = (await skipBatch(readDb, projection, events, expected))
          ? events[events.length - 1]!.position
          : await readDb.transaction((tx) => applyBatch(tx, store, projection, events, expected));
        if (position !== null) options.onCommit?.(projection.name, position);
      },
      onError: (error) => {
        if (stopped) return;
        const moved = error instanceof CheckpointMoved;
        if (!moved) options.onError?.(error, projection.name);
        retryTimer = setTimeout(() => void restart(), moved ? 0 : retryDelayMs);
      },
    });
    subscription = current;
    current.caughtUp.then(markCaughtUp, () => {});
  };

  const restart = () =>
    subscribe().catch((error: unknown) => {
      options.onError?.(error, projection.name);
      if (!stopped) retryTimer = setTimeout(() => void restart(), retryDelayMs);
    });

  await subscribe();
  return {
    name: projection.name,
    caughtUp,
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await subscription?.stop();
    },
  };
}
