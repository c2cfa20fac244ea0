// Input checks every adapter runs before it writes anything: stream names,
// event types, ids, JSON-only payloads, the size limit and expected revisions.
// Each failure is a typed EventStoreError, so callers can tell bad input from
// a conflict, and nothing is stored for a rejected append.

import { EventStoreError } from './errors.ts';
import { canonicalJson } from './integrity.ts';
import type { ExpectedRevision, JsonObject, NewEvent } from './port.ts';

/** Largest event: its type plus canonical JSON data and metadata, in UTF-8 bytes. */
export const MAX_EVENT_BYTES = 256 * 1024;
export const MAX_STREAM_NAME_LENGTH = 200;

// `category-id` (message-db style): a category of letters/digits/underscores,
// then a dash and an id that may itself contain `- . : @ + = ~` (usernames,
// e-mail-like keys, base64) but no spaces, quotes, slashes or control characters.
const STREAM_NAME = /^[A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9_][A-Za-z0-9_.:@+=~-]*$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]*$/;
const MAX_EVENT_TYPE_LENGTH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Postgres jsonb cannot store NUL characters or unpaired surrogates. JSON.stringify
// writes exactly those as \u escapes (everything else non-ASCII stays raw), so
// one scan of the canonical text finds them; the lookbehind skips an escaped backslash.
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

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

/** Canonical JSON of a data or metadata object, or a typed error saying what is wrong. */
function canonicalObject(value: unknown, path: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EventStoreError('INVALID_EVENT', `${path} must be a JSON object`);
  }
  let json: string;
  try {
    json = canonicalJson(value, path);
  } catch (error) {
    if (error instanceof TypeError) throw new EventStoreError('INVALID_EVENT', error.message);
    throw error;
  }
  // Most texts hold no \u escape at all: one native search rules the regex out.
  if (json.includes('\\u') && UNSTORABLE_ESCAPE.test(json)) {
    throw new EventStoreError(
      'INVALID_EVENT',
      `${path}: text holds a NUL or an unpaired surrogate`,
    );
  }
  return json;
}

/**
 * A validated event: id in lower case (the form Postgres returns), metadata
 * defaulted, and data and metadata also as canonical JSON, computed once here
 * for the size check, the hash and the insert.
 */
export interface ValidEvent {
  id: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  dataJson: string;
  metadataJson: string;
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
  const dataJson = canonicalObject(event.data, `${where}.data`);
  const metadata = event.metadata ?? {};
  const metadataJson = canonicalObject(metadata, `${where}.metadata`);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most events need no encoding to count.
  if ((dataJson.length + metadataJson.length + event.type.length) * 3 > MAX_EVENT_BYTES) {
    const size =
      Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson) + Buffer.byteLength(event.type);
    if (size > MAX_EVENT_BYTES) {
      throw new EventStoreError(
        'EVENT_TOO_LARGE',
        `${where} is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`,
      );
    }
  }
  const id = event.id.toLowerCase();
  return { id, type: event.type, data: event.data, metadata, dataJson, metadataJson };
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
