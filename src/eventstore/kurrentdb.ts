// The KurrentDB (EventStoreDB) adapter of the EventStore port, selected by
// KURRENTDB_URL. KurrentDB enforces expected revisions and stores positions
// itself; this adapter adds what it lacks: the per-stream hash chain (kept in
// each event's metadata, see kurrentdb/events.ts), our input validation, and
// the port's error types.
//
// Chaining needs the hash of the event an append follows, so every append is
// sent with an exact expected revision: the one whose hash we chained onto.
// `any` and `stream_exists` are therefore emulated: read the tail, append
// exactly after it, and on a conflict re-read and try again.

import {
  BACKWARDS,
  END,
  excludeSystemEvents,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendStreamState,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { EventStoreError, WrongExpectedRevisionError } from './errors.ts';
import { GENESIS_HASH } from './integrity.ts';
import { chainEvents, isSystemEvent, toRecordedEvent, type ChainTail } from './kurrentdb/events.ts';
import { comparePositions, decodePosition, encodePosition } from './kurrentdb/positions.ts';
import { subscribeToKurrent } from './kurrentdb/subscribe.ts';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  SubscribeOptions,
  Subscription,
} from './port.ts';
import { validateAppend, validateStreamName, type ValidEvent } from './validation.ts';

// How many times an `any`/`stream_exists` append re-reads the tail after losing a race.
const MAX_TAIL_RACES = 20;
// A retried `any`/`stream_exists` append is recognised while its events are among the
// stream's last (batch size + this many) events.
const IDEMPOTENCY_WINDOW = 64;

export function kurrentDbEventStore(connectionString: string): EventStore {
  return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString));
}

class KurrentDbEventStore implements EventStore {
  readonly kind = 'kurrentdb' as const;

  constructor(private readonly client: KurrentDBClient) {}

  async append(
    stream: string,
    events: NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const valid = validateAppend(stream, events, expected);
    if (expected === 'no_stream') {
      return this.appendAfter(
        stream,
        valid,
        { revision: -1, hash: GENESIS_HASH },
        NO_STREAM,
        expected,
      );
    }
    if (typeof expected === 'number') {
      const [tail] = await this.readBackwards(stream, BigInt(expected), 1);
      if (!tail || tail.revision !== expected) {
        // The stream is shorter than expected: nothing to chain onto.
        throw new WrongExpectedRevisionError(
          stream,
          String(expected),
          await this.streamRevision(stream),
        );
      }
      return this.appendAfter(stream, valid, tail, BigInt(expected), expected);
    }
    for (let attempt = 1; ; attempt++) {
      const recent = await this.readBackwards(stream, END, valid.length + IDEMPOTENCY_WINDOW);
      const retried = alreadyAppended(stream, valid, recent);
      if (retried) return retried;
      const tail = recent[0];
      if (!tail && expected === 'stream_exists') {
        throw new WrongExpectedRevisionError(stream, expected, -1);
      }
      try {
        return tail
          ? await this.appendAfter(stream, valid, tail, BigInt(tail.revision), expected)
          : await this.appendAfter(
              stream,
              valid,
              { revision: -1, hash: GENESIS_HASH },
              NO_STREAM,
              expected,
            );
      } catch (error) {
        // Another writer got in between our read and our write: chain onto theirs.
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_TAIL_RACES)
          throw error;
      }
    }
  }

  async appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]> {
    // One stream's failure must not fail the others, so each settles on its own.
    return Promise.all(
      appends.map(async ({ stream, events, expectedRevision }): Promise<StreamAppendOutcome> => {
        try {
          const options = expectedRevision === undefined ? {} : { expectedRevision };
          return { ok: true, result: await this.append(stream, events, options) };
        } catch (error) {
          return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
        }
      }),
    );
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamName(stream);
    const fromRevision = options.fromRevision ?? 0;
    if (options.limit === 0) return [];
    return this.collect(
      this.client.readStream(stream, {
        direction: FORWARDS,
        fromRevision: BigInt(fromRevision),
        ...(options.limit === undefined ? {} : { maxCount: options.limit }),
      }),
    );
  }

  async streamRevision(stream: string): Promise<number> {
    validateStreamName(stream);
    const [last] = await this.readBackwards(stream, END, 1);
    return last ? last.revision : -1;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? 1000;
    if (limit <= 0) return [];
    const after = options.after;
    // KurrentDB reads from a position inclusively; ask for one more and drop the checkpoint itself.
    const events: RecordedEvent[] = [];
    for await (const resolved of this.client.readAll({
      direction: FORWARDS,
      fromPosition: after === undefined ? START : decodePosition(after),
      maxCount: after === undefined ? limit : limit + 1,
      filter: excludeSystemEvents(),
    })) {
      const event = resolved.event;
      if (!event || isSystemEvent(event)) continue;
      const recorded = toRecordedEvent(event, event.position);
      if (after !== undefined && comparePositions(recorded.position, after) <= 0) continue;
      events.push(recorded);
      if (events.length === limit) break;
    }
    return events;
  }

  async headPosition(): Promise<string | null> {
    for await (const resolved of this.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: 1,
      filter: excludeSystemEvents(),
    })) {
      if (resolved.event && !isSystemEvent(resolved.event)) {
        return encodePosition(resolved.event.position);
      }
    }
    return null;
  }

  subscribe(options: SubscribeOptions): Subscription {
    return subscribeToKurrent(this.client, options, () => this.headPosition());
  }

  comparePositions(a: string, b: string): number {
    return comparePositions(a, b);
  }

  close(): Promise<void> {
    return this.client.dispose();
  }

  /** Appends `events` right after `tail`, mapping KurrentDB's conflict to ours. */
  private async appendAfter(
    stream: string,
    events: ValidEvent[],
    tail: ChainTail,
    streamState: AppendStreamState,
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(stream, chainEvents(stream, tail, events), {
        streamState,
      });
      const nextRevision = Number(result.nextExpectedRevision);
      // Servers before 22.6 do not return the position; read it back from the last event.
      const position = result.position
        ? encodePosition(result.position)
        : (await this.readBackwards(stream, result.nextExpectedRevision, 1))[0]!.position;
      return { nextRevision, position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = typeof error.actualState === 'bigint' ? Number(error.actualState) : -1;
        throw new WrongExpectedRevisionError(stream, String(expected), actual);
      }
      throw error;
    }
  }

  /** Up to `count` events ending at `from`, newest first; [] for a stream that does not exist. */
  private readBackwards(stream: string, from: bigint | typeof END, count: number) {
    return this.collect(
      this.client.readStream(stream, { direction: BACKWARDS, fromRevision: from, maxCount: count }),
    );
  }

  private async collect(read: AsyncIterableIterator<ResolvedEvent>): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }
}

/**
 * An `any`/`stream_exists` retry: the whole batch already stored, in order, at
 * the stream's end region. A partial match is an id reused for other content.
 */
function alreadyAppended(
  stream: string,
  events: ValidEvent[],
  recentNewestFirst: RecordedEvent[],
): AppendResult | null {
  const byId = new Map(recentNewestFirst.map((event) => [event.id, event]));
  const found = events.map((event) => byId.get(event.id));
  if (found.every((event) => event === undefined)) return null;
  const first = found[0];
  const sameRun =
    first !== undefined && found.every((event, i) => event?.revision === first.revision + i);
  if (!sameRun) {
    throw new EventStoreError(
      'IDEMPOTENCY_CONFLICT',
      `stream ${stream}: some event ids of this append are already stored elsewhere`,
    );
  }
  const last = found[found.length - 1]!;
  return { nextRevision: last.revision, position: last.position };
}
