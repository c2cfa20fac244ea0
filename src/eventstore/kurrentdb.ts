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
import { isWrongExpectedRevision, WrongExpectedRevisionError } from './errors.ts';
import { GENESIS_HASH } from './integrity.ts';
import { chainEvents, isSystemEvent, toRecordedEvent, type ChainTail } from './kurrentdb/events.ts';
import { comparePositions, decodePosition, encodePosition } from './kurrentdb/positions.ts';
import { conflictError, IDEMPOTENCY_WINDOW, previouslyAppended } from './kurrentdb/idempotency.ts';
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
  StreamRead,
  SubscribeOptions,
  Subscription,
} from './port.ts';
import { validateStreamReads } from './stream-reads.ts';
import { validateAppend, validateStreamName, type ValidEvent } from './validation.ts';

// How many times an `any`/`stream_exists` append re-reads the tail after losing a
// race; every round has a winner, so this bounds the writers contending at once.
const MAX_TAIL_RACES = 100;
const GENESIS: ChainTail = { revision: -1, hash: GENESIS_HASH };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const isValidStreamName = (stream: string): boolean => {
  try {
    validateStreamName(stream);
    return true;
  } catch {
    return false;
  }
};

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
      return this.appendAfter(stream, valid, GENESIS, NO_STREAM, expected);
    }
    if (typeof expected === 'number') {
      const [tail] = await this.readBackwards(stream, BigInt(expected), 1);
      // A stream shorter than expected leaves nothing to chain onto.
      if (tail?.revision !== expected) throw await this.conflict(stream, valid, expected);
      return this.appendAfter(stream, valid, tail, BigInt(expected), expected);
    }
    for (let attempt = 1; ; attempt++) {
      const recent = await this.recent(stream, valid.length);
      const retried = previouslyAppended(stream, valid, recent);
      if (retried) return retried;
      const tail = recent[0];
      if (!tail && expected === 'stream_exists') {
        throw new WrongExpectedRevisionError(stream, expected, -1);
      }
      try {
        return tail
          ? await this.appendAfter(stream, valid, tail, BigInt(tail.revision), expected)
          : await this.appendAfter(stream, valid, GENESIS, NO_STREAM, expected);
      } catch (error) {
        // Another writer got in between our read and our write: chain onto theirs.
        if (!isWrongExpectedRevision(error) || attempt >= MAX_TAIL_RACES) throw error;
        await sleep(Math.random() * Math.min(attempt, 10));
      }
    }
  }

  async appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]> {
    // Streams proceed concurrently and fail alone; appends to one stream keep
    // their array order, as the SQL adapter applies them.
    const byStream = new Map<string, number[]>();
    appends.forEach(({ stream }, i) => byStream.set(stream, [...(byStream.get(stream) ?? []), i]));
    const outcomes: StreamAppendOutcome[] = new Array(appends.length);
    await Promise.all(
      [...byStream.values()].map(async (indexes) => {
        for (const i of indexes) outcomes[i] = await this.settle(appends[i]!);
      }),
    );
    return outcomes;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    // No event can be stored under an invalid name, so there is nothing to read.
    if (!isValidStreamName(stream) || options.limit === 0) return [];
    const fromRevision = options.fromRevision ?? 0;
    return this.collect(
      this.client.readStream(stream, {
        direction: FORWARDS,
        fromRevision: BigInt(fromRevision),
        ...(options.limit === undefined ? {} : { maxCount: options.limit }),
      }),
    );
  }

  /** KurrentDB has no multi-stream read: the reads go concurrently over the client's one connection. */
  async readStreams(reads: StreamRead[]): Promise<RecordedEvent[][]> {
    validateStreamReads(reads);
    return Promise.all(reads.map(({ stream, ...options }) => this.readStream(stream, options)));
  }

  async streamRevision(stream: string): Promise<number> {
    if (!isValidStreamName(stream)) return -1;
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
    let result;
    try {
      result = await this.client.appendToStream(stream, chainEvents(stream, tail, events), {
        streamState,
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError)
        throw await this.conflict(stream, events, expected);
      throw error;
    }
    // A client built with throwOnAppendFailure=false reports the conflict instead of throwing.
    if (!result.success) throw await this.conflict(stream, events, expected);
    // The port promises the last event's log position. The server's reply may
    // lack one (older servers, idempotent retries), so read it from the event.
    const [last] = await this.readBackwards(stream, result.nextExpectedRevision, 1);
    if (!last)
      throw new Error(`KurrentDB acknowledged an append to ${stream} that cannot be read back`);
    return { nextRevision: last.revision, position: last.position };
  }

  private async conflict(stream: string, events: ValidEvent[], expected: ExpectedRevision) {
    return conflictError(stream, events, expected, await this.recent(stream, events.length));
  }

  /** The stream's newest events, enough to recognise a retry of a batch of `count`. */
  private recent(stream: string, count: number): Promise<RecordedEvent[]> {
    return this.readBackwards(stream, END, count + IDEMPOTENCY_WINDOW);
  }

  private async settle({
    stream,
    events,
    expectedRevision,
  }: StreamAppend): Promise<StreamAppendOutcome> {
    try {
      const options = expectedRevision === undefined ? {} : { expectedRevision };
      return { ok: true, result: await this.append(stream, events, options) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
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
