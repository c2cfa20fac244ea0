// The event store port: the only way the rest of the system reads or writes
// events. Adapters (Postgres, PGlite, KurrentDB) translate their native
// behaviour and errors into these types.

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** An event about to be appended. `id` is a UUID; repeating it makes a retry a no-op. */
export interface NewEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  id: string;
  type: Type;
  data: Data;
  metadata?: JsonObject;
}

/**
 * A stored event. `revision` counts from 0 within its stream; `position` is an
 * opaque, totally ordered string for the global log (compare with the
 * adapter's `comparePositions`, never as numbers).
 */
export interface RecordedEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  id: string;
  stream: string;
  revision: number;
  position: string;
  type: Type;
  data: Data;
  metadata: JsonObject;
  recordedAt: Date;
  prevHash: string;
  hash: string;
}

/**
 * - `any`: append whatever the stream holds
 * - `no_stream`: the stream must not exist yet
 * - `stream_exists`: the stream must have at least one event
 * - a number: the revision of the stream's last event
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextRevision: number;
  /** Position of the last appended (or, for an idempotent retry, already stored) event. */
  position: string;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  limit?: number;
}

/** One stream of a `readStreams` call, with the same options as `readStream`. */
export interface StreamRead extends ReadStreamOptions {
  stream: string;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit to start at the beginning. */
  after?: string;
  limit?: number;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint; omit to start at the beginning of the log. */
  after?: string;
  /** Largest batch handed to the handler at once. */
  batchSize?: number;
  /** Events are delivered in log order; the next batch waits for the handler's promise. */
  handler: (events: RecordedEvent[]) => Promise<void>;
  /** Called if the handler or the store fails; the subscription stops. */
  onError?: (error: unknown) => void;
  /**
   * Only events of streams starting with one of these prefixes are delivered
   * (e.g. `['billrun-']`). The store leaves the others out before they are
   * shipped or parsed. Omit for every stream; an empty list, or an empty or
   * non-string prefix, is refused with INVALID_SUBSCRIPTION.
   */
  streamPrefixes?: string[];
  /**
   * Only events of these types are delivered; with `streamPrefixes` too, an
   * event must match both. Omit for every type; an empty list, or an empty or
   * non-string type, is refused with INVALID_SUBSCRIPTION.
   */
  eventTypes?: string[];
  /**
   * With a filter: called with the position the subscription has read up to
   * when the events after the last delivered one were all left out, so a
   * subscriber that stores a checkpoint can move it past them (otherwise a
   * restart reads them again, and a waiter for one of their positions waits).
   * Awaited like the handler; a failure stops the subscription.
   */
  onSkipped?: (position: string) => Promise<void>;
}

export interface Subscription {
  /** Stops delivering; resolves once any batch in flight has been handled. */
  stop(): Promise<void>;
  /**
   * Resolves when the subscription has read up to the log's head as it was
   * when subscribing (with a filter: delivered every matching event up to it).
   */
  caughtUp: Promise<void>;
}

export interface StreamAppend {
  stream: string;
  events: NewEvent[];
  expectedRevision?: ExpectedRevision;
}

export type StreamAppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

export interface EventStore {
  readonly kind: 'postgres' | 'pglite' | 'kurrentdb';
  append(stream: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Group commit: appends to many streams in one round trip where the adapter
   * can. Each stream's append succeeds or fails on its own (a conflict on one
   * meter's stream does not fail the others).
   */
  appendMany(appends: StreamAppend[]): Promise<StreamAppendOutcome[]>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Reads many streams in one round trip where the adapter can: one result per
   * request, in request order, each exactly what `readStream` would return
   * (a stream with no events, or an invalid name, reads as []). A stream may
   * be requested more than once. A negative or fractional `fromRevision` or
   * `limit` is refused with INVALID_READ before anything is read.
   */
  readStreams(reads: StreamRead[]): Promise<RecordedEvent[][]>;
  /** Revision of the stream's last event, or -1 when it has none. */
  streamRevision(stream: string): Promise<number>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event currently readable in the log, or null when empty. */
  headPosition(): Promise<string | null>;
  /** Throws INVALID_SUBSCRIPTION at once for a malformed filter. */
  subscribe(options: SubscribeOptions): Subscription;
  comparePositions(a: string, b: string): number;
  close(): Promise<void>;
}
