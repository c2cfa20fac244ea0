// Input checks every adapter runs before it writes anything: stream names,
// event types, ids, JSON-only payloads, the size limit and expected revisions.
// Each failure is a typed EventStoreError, so callers can tell bad input from
// a conflict, and nothing is stored for a rejected append.

import { EventStoreError } from './errors.ts';
import { canonicalJson } from './integrity.ts';
import type { ExpectedRevision, JsonObject, NewEvent } from './port.ts';

/** Largest canonical JSON of one event ({type, data, metadata}), in UTF-8 bytes. */
export const MAX_EVENT_BYTES = 256 * 1024;
export const MAX_STREAM_NAME_LENGTH = 200;

// `category-id` (message-db style): a category of letters/digits/underscores,
// then a dash and an id that may itself contain dashes, dots, colons or `@`.
const STREAM_NAME = /^[A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9_][A-Za-z0-9_.:@-]*$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]*$/;
const MAX_EVENT_TYPE_LENGTH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Postgres jsonb cannot store NUL characters or unpaired surrogates.
const UNSTORABLE_TEXT =
  // eslint-disable-next-line no-control-regex -- NUL is exactly what we look for
  /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function validateStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new EventStoreError('INVALID_STREAM_NAME', 'stream name must be a non-empty string');
  }
  if (stream.length > MAX_STREAM_NAME_LENGTH) {
    throw new EventStoreError(
      'INVALID_STREAM_NAME',
      `stream name longer than ${MAX_STREAM_NAME_LENGTH} characters`,
    );
  }
  if (!STREAM_NAME.test(stream)) {
    throw new EventStoreError(
      'INVALID_STREAM_NAME',
      `stream name ${JSON.stringify(stream)} is not of the form category-id`,
    );
  }
}

export function validateExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new EventStoreError(
    'INVALID_EXPECTED_REVISION',
    `expected revision must be a non-negative integer, 'any', 'no_stream' or 'stream_exists', got ${String(expected)}`,
  );
}

/** Throws unless `value` is made only of plain objects, arrays, strings, finite numbers, booleans and null. */
function assertJson(value: unknown, path: string, seen: Set<object>): void {
  const fail = (why: string): never => {
    throw new EventStoreError('INVALID_EVENT', `${path}: ${why}`);
  };
  switch (typeof value) {
    case 'string':
      if (UNSTORABLE_TEXT.test(value)) fail('string holds a NUL or an unpaired surrogate');
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(`${value} is not a finite number`);
      return;
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) fail('cyclic structure');
      const proto = Object.getPrototypeOf(value) as unknown;
      const isArray = Array.isArray(value);
      if (!isArray && proto !== Object.prototype && proto !== null) fail('not a plain object');
      seen.add(value);
      if (isArray) value.forEach((item, i) => assertJson(item, `${path}[${i}]`, seen));
      else {
        for (const [key, item] of Object.entries(value)) {
          if (UNSTORABLE_TEXT.test(key)) fail(`key ${JSON.stringify(key)} is not storable`);
          assertJson(item, `${path}.${key}`, seen);
        }
      }
      seen.delete(value);
      return;
    }
    default:
      fail(`${typeof value} is not JSON`);
  }
}

function assertJsonObject(value: unknown, path: string): asserts value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EventStoreError('INVALID_EVENT', `${path} must be a JSON object`);
  }
  assertJson(value, path, new Set());
}

/** A validated event with its id in lower case (the form Postgres returns) and metadata defaulted. */
export interface ValidEvent {
  id: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
}

export function validateEvent(event: NewEvent, index = 0): ValidEvent {
  const where = `event ${index}`;
  if (typeof event !== 'object' || event === null) {
    throw new EventStoreError('INVALID_EVENT', `${where} is not an object`);
  }
  if (typeof event.id !== 'string' || !UUID.test(event.id)) {
    throw new EventStoreError('INVALID_EVENT', `${where}: id must be a UUID`);
  }
  if (
    typeof event.type !== 'string' ||
    event.type.length > MAX_EVENT_TYPE_LENGTH ||
    !EVENT_TYPE.test(event.type)
  ) {
    throw new EventStoreError('INVALID_EVENT', `${where}: type must be a non-empty identifier`);
  }
  assertJsonObject(event.data, `${where}.data`);
  const metadata = event.metadata ?? {};
  assertJsonObject(metadata, `${where}.metadata`);
  const size = Buffer.byteLength(canonicalJson({ type: event.type, data: event.data, metadata }));
  if (size > MAX_EVENT_BYTES) {
    throw new EventStoreError(
      'EVENT_TOO_LARGE',
      `${where} is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`,
    );
  }
  return { id: event.id.toLowerCase(), type: event.type, data: event.data, metadata };
}

/** Validates one stream's append as a whole; throws before anything is written. */
export function validateAppend(
  stream: string,
  events: NewEvent[],
  expectedRevision: ExpectedRevision,
): ValidEvent[] {
  validateStreamName(stream);
  validateExpectedRevision(expectedRevision);
  if (!Array.isArray(events) || events.length === 0) {
    throw new EventStoreError('INVALID_EVENT', 'an append needs at least one event');
  }
  const valid = events.map(validateEvent);
  const ids = new Set(valid.map((e) => e.id));
  if (ids.size !== valid.length) {
    throw new EventStoreError('INVALID_EVENT', 'the same event id appears twice in one append');
  }
  return valid;
}
