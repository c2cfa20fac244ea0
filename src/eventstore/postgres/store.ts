// The EventStore adapter over the SQL port: the same SQL on a node-postgres
// pool and on PGlite. Validation happens before any transaction; appends go
// through appendInTransaction; subscribers are woken by one shared LISTEN.

import type { SqlDatabase } from '../../db/sql.ts';
import { catchUpSubscription } from '../catch-up.ts';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  StreamAppendOutcome,
  SubscribeOptions,
  Subscription,
} from '../port.ts';
import { validateAppend } from '../validation.ts';
import { appendInTransaction, NOTIFY_CHANNEL, type PreparedAppend } from './append.ts';
import { comparePositions } from './positions.ts';
import { headPositionRow, readAllRows, readStreamRows, streamRevisionRow } from './read.ts';

export interface PostgresEventStoreOptions {
  /** Polling fallback for subscribers when no NOTIFY arrives (ms). */
  pollIntervalMs?: number;
  /** Default page size of readAll. */
  readAllLimit?: number;
}

// Group commits lock several stream rows; if two ever deadlock, Postgres
// aborts one, and retrying it whole is safe because nothing was committed.
const DEADLOCK = '40P01';
const MAX_TRANSACTION_ATTEMPTS = 3;

export interface PostgresEventStore extends EventStore {
  readonly kind: 'postgres' | 'pglite';
}

export function openPostgresEventStore(
  db: SqlDatabase,
  options: PostgresEventStoreOptions = {},
): PostgresEventStore {
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const readAllLimit = options.readAllLimit ?? 1000;
  const wakers = new Set<() => void>();
  const subscriptions = new Set<Subscription>();
  let unlisten: Promise<() => Promise<void>> | null = null;

  const listenOnce = () => {
    // A failed LISTEN is not fatal: subscribers still poll.
    unlisten ??= db
      .listen(NOTIFY_CHANNEL, () => wakers.forEach((wake) => wake()))
      .catch(() => async () => {});
  };

  const commit = async (appends: PreparedAppend[]): Promise<StreamAppendOutcome[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction((tx) => appendInTransaction(tx, appends));
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (code !== DEADLOCK || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
      }
    }
  };

  const store: PostgresEventStore = {
    kind: db.kind,

    async append(stream, events, appendOptions: AppendOptions = {}): Promise<AppendResult> {
      const expectedRevision = appendOptions.expectedRevision ?? 'any';
      const valid = validateAppend(stream, events, expectedRevision);
      const [outcome] = await commit([{ stream, events: valid, expectedRevision }]);
      if (!outcome!.ok) throw outcome!.error;
      return outcome!.result;
    },

    async appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]> {
      const outcomes: (StreamAppendOutcome | null)[] = [];
      const prepared: PreparedAppend[] = [];
      for (const { stream, events, expectedRevision = 'any' } of appends) {
        try {
          prepared.push({
            stream,
            events: validateAppend(stream, events, expectedRevision),
            expectedRevision,
          });
          outcomes.push(null);
        } catch (error) {
          outcomes.push({ ok: false, error: error as Error });
        }
      }
      const written = prepared.length > 0 ? await commit(prepared) : [];
      let next = 0;
      return outcomes.map((outcome) => outcome ?? written[next++]!);
    },

    readStream(stream, { fromRevision = 0, limit }: ReadStreamOptions = {}) {
      return readStreamRows(db, stream, fromRevision, limit ?? null);
    },

    streamRevision: (stream) => streamRevisionRow(db, stream),

    readAll({ after, limit }: ReadAllOptions = {}) {
      return readAllRows(db, after, limit ?? readAllLimit);
    },

    headPosition: () => headPositionRow(db),

    subscribe(subscribeOptions: SubscribeOptions): Subscription {
      listenOnce();
      const subscription = catchUpSubscription(
        {
          readAll: (o) => readAllRows(db, o.after, o.limit),
          headPosition: () => headPositionRow(db),
          comparePositions,
        },
        subscribeOptions,
        {
          pollIntervalMs,
          onWake(wake) {
            wakers.add(wake);
            return () => wakers.delete(wake);
          },
        },
      );
      subscriptions.add(subscription);
      return subscription;
    },

    comparePositions,

    /** Stops this store's subscriptions and its LISTEN; the caller that opened `db` closes it. */
    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      subscriptions.clear();
      const stopListening = await unlisten;
      unlisten = null;
      await stopListening?.();
    },
  };
  return store;
}
