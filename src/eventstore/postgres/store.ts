// The EventStore adapter over the SQL port: the same SQL on a node-postgres
// pool and on PGlite. Validation happens before anything is sent; appends try
// the one-statement fast path (fast-append.ts) and fall back to the locked
// transaction (append.ts); subscribers are woken by one shared LISTEN.

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
import {
  appendInTransaction,
  isDuplicateEventId,
  NOTIFY_CHANNEL,
  type PreparedAppend,
  revisionMatches,
} from './append.ts';
import type { StreamHead } from './append-sql.ts';
import { casAppend, HeadCache } from './fast-append.ts';
import { comparePositions } from './positions.ts';
import { validateStreamReads } from '../stream-reads.ts';
import {
  headPositionRow,
  readAllRows,
  readMatchingRows,
  readStreamRows,
  readStreamsRows,
  streamRevisionRow,
} from './read.ts';

export interface PostgresEventStoreOptions {
  /** Polling fallback for subscribers when no NOTIFY arrives (ms). */
  pollIntervalMs?: number;
  /** Default page size of readAll. */
  readAllLimit?: number;
  /** Most events a filtered subscription looks at per statement (catch-up.ts has the default). */
  filterWindow?: number;
}

// Group commits lock several stream rows; if two ever deadlock, Postgres
// aborts one, and retrying it whole is safe because nothing was committed.
const DEADLOCK = '40P01';
const MAX_TRANSACTION_ATTEMPTS = 3;
const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

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

  const heads = new HeadCache();
  const remember = (stream: string, head: StreamHead) => heads.set(stream, head);

  const lockedCommit = async (appends: PreparedAppend[]): Promise<StreamAppendOutcome[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction((tx) => appendInTransaction(tx, appends, remember));
      } catch (error) {
        if (errorCode(error) !== DEADLOCK || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
      }
    }
  };

  // Fast path first (one statement), then the locked path for whatever the
  // fast path could not settle: repeated streams in one call, expectations
  // that disagree with the remembered head, lost swaps, stored ids.
  const commit = async (appends: PreparedAppend[]): Promise<StreamAppendOutcome[]> => {
    const outcomes: (StreamAppendOutcome | undefined)[] = new Array(appends.length);
    const seen = new Map<string, number>();
    for (const { stream } of appends) seen.set(stream, (seen.get(stream) ?? 0) + 1);
    const fast = appends.filter(
      (a) =>
        seen.get(a.stream) === 1 &&
        revisionMatches(a.expectedRevision, heads.get(a.stream).revision),
    );
    const fastSet = new Set(fast);
    if (fast.length > 0) {
      try {
        const written = await casAppend(db, fast, (stream) => heads.get(stream), NOTIFY_CHANNEL);
        appends.forEach((append, i) => {
          const wrote = written.get(append.stream);
          if (!wrote || !fastSet.has(append)) return;
          outcomes[i] = { ok: true, result: wrote.result };
          remember(append.stream, wrote.head);
        });
      } catch (error) {
        // The statement wrote nothing; the locked path sorts out stored ids and deadlocks.
        if (!isDuplicateEventId(error) && errorCode(error) !== DEADLOCK) throw error;
      }
    }
    const rest = appends.flatMap((append, i) => (outcomes[i] ? [] : [{ append, i }]));
    if (rest.length > 0) {
      const settled = await lockedCommit(rest.map((r) => r.append));
      rest.forEach((r, k) => (outcomes[r.i] = settled[k]!));
    }
    return outcomes as StreamAppendOutcome[];
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

    async readStream(stream, { fromRevision = 0, limit }: ReadStreamOptions = {}) {
      const events = await readStreamRows(db, stream, fromRevision, limit ?? null);
      // Read to the end: its last event is the head the next append will most likely follow.
      const last = events[events.length - 1];
      if (limit === undefined && last)
        remember(stream, { revision: last.revision, lastHash: last.hash });
      return events;
    },

    async readStreams(reads) {
      validateStreamReads(reads);
      // One statement, no transaction: JIT, which priced this read at ~200 ms
      // on a fast-grown table, is off for every pool connection (src/db/postgres.ts).
      const results = await readStreamsRows(db, reads);
      // As readStream: a stream read to its end tells the head of its next append.
      reads.forEach(({ stream, limit }, i) => {
        const last = results[i]![results[i]!.length - 1];
        if (limit === undefined && last)
          remember(stream, { revision: last.revision, lastHash: last.hash });
      });
      return results;
    },

    streamRevision: (stream) => streamRevisionRow(db, stream),

    readAll({ after, limit }: ReadAllOptions = {}) {
      return readAllRows(db, after, limit ?? readAllLimit);
    },

    headPosition: () => headPositionRow(db),

    subscribe(subscribeOptions: SubscribeOptions): Subscription {
      // Throws for a malformed filter before LISTEN or any read.
      const subscription = catchUpSubscription(
        {
          readAll: (o) => readAllRows(db, o.after, o.limit),
          readMatching: (o) => readMatchingRows(db, o.after, o.filter, o.window, o.limit),
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
          ...(options.filterWindow === undefined ? {} : { filterWindow: options.filterWindow }),
        },
      );
      listenOnce();
      subscriptions.add(subscription);
      return {
        caughtUp: subscription.caughtUp,
        stop: async () => {
          subscriptions.delete(subscription);
          await subscription.stop();
        },
      };
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
