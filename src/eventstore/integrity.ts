// Per-stream hash chains: every event stores `prevHash` and
// `hash = SHA-256(prevHash ‖ canonical(stream, revision, id, type, data, metadata))`,
// so editing, deleting or reordering a stored event breaks a link. This module is
// adapter-independent: the Postgres and KurrentDB adapters compute hashes with it,
// and the verifier walks whatever events an adapter reads back.

import { hash } from 'node:crypto';
import type { EventStore, JsonObject, RecordedEvent } from './port.ts';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * RFC 8785-style canonical JSON: object keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings as ECMAScript serialises them. Throws a
 * TypeError naming the path for anything JSON cannot represent exactly
 * (non-finite numbers, undefined, functions, BigInt, symbols, cycles, class
 * instances such as Date or Map), so a hash never covers a lossy encoding.
 */
export function canonicalJson(value: unknown, path = '$'): string {
  // The fast writer gives up (undefined) on anything it would have to reject
  // or is unsure of; the checking writer then gives the same text or the error.
  const sorted = sortedCopy(value, 0);
  return sorted === undefined ? write(value, path, new Set()) : JSON.stringify(sorted);
}

/** Past this depth the fast writer defers to the checking one, which detects cycles. */
const FAST_MAX_DEPTH = 64;

/**
 * A copy of plain JSON data with every object's keys inserted in sorted
 * order, which native JSON.stringify then writes as the canonical text: no
 * path built per value (that was most of the cost of validating an append)
 * and no string concatenation in JavaScript (a quarter faster than writing
 * the text here, on reading events). Undefined instead of any error, so the
 * caller can produce the error with its path. Gives up on keys that would not
 * keep their insertion order (array indices, which objects list first) or
 * that an assignment would not create (`__proto__`).
 */
function sortedCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'object': {
      if (value === null) return null;
      if (depth >= FAST_MAX_DEPTH) return undefined;
      if (Array.isArray(value)) {
        const copy: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = sortedCopy(value[i], depth + 1);
          if (item === undefined) return undefined;
          copy[i] = item;
        }
        return copy;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return undefined;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1]! > keys[i]!) {
          keys.sort();
          break;
        }
      }
      const copy: Record<string, unknown> = {};
      for (const key of keys) {
        const first = key.charCodeAt(0);
        if ((first >= 48 && first <= 57) || key === '__proto__') return undefined;
        const item = sortedCopy(record[key], depth + 1);
        if (item === undefined) return undefined;
        copy[key] = item;
      }
      return copy;
    }
    default:
      return undefined;
  }
}

function write(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (ancestors.has(value)) throw new TypeError(`${path}: cyclic structure`);
      ancestors.add(value);
      let text: string;
      if (Array.isArray(value)) {
        text = `[${value.map((item, i) => write(item, `${path}[${i}]`, ancestors)).join(',')}]`;
      } else {
        const proto = Object.getPrototypeOf(value) as unknown;
        if (proto !== Object.prototype && proto !== null) {
          throw new TypeError(`${path}: not a plain object`);
        }
        const record = value as Record<string, unknown>;
        const entries = Object.keys(record)
          .sort()
          .map(
            (key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, ancestors)}`,
          );
        text = `{${entries.join(',')}}`;
      }
      ancestors.delete(value);
      return text;
    }
    default:
      throw new TypeError(`${path}: ${typeof value} is not JSON`);
  }
}

/** The fields a hash covers; `recordedAt` and `position` are the store's, not the writer's. */
export interface HashedContent {
  stream: string;
  revision: number;
  id: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
}

export function eventHash(prevHash: string, content: HashedContent): string {
  const { stream, revision, id, type, data, metadata } = content;
  return eventHashOfCanonical(
    prevHash,
    stream,
    revision,
    id,
    type,
    canonicalJson(data),
    canonicalJson(metadata),
  );
}

/**
 * The same hash from data and metadata already in canonical form (adapters
 * canonicalise once, at validation). The content's keys in sorted order are
 * data, id, metadata, revision, stream, type.
 */
export function eventHashOfCanonical(
  prevHash: string,
  stream: string,
  revision: number,
  id: string,
  type: string,
  dataJson: string,
  metadataJson: string,
): string {
  const canonical =
    `{"data":${dataJson},"id":${JSON.stringify(id)},"metadata":${metadataJson},` +
    `"revision":${revision},"stream":${JSON.stringify(stream)},"type":${JSON.stringify(type)}}`;
  // One-shot: several times cheaper than createHash().update().update().digest().
  return hash('sha256', prevHash + canonical, 'hex');
}

export type ChainBreakReason =
  /** The event's content no longer hashes to its stored hash. */
  | 'content_changed'
  /** A revision is missing before this one (an event was deleted). */
  | 'revision_gap'
  /** This revision is not after the previous one (events reordered or duplicated). */
  | 'out_of_order'
  /** The stored prevHash is not the previous event's hash. */
  | 'prev_hash_mismatch'
  /** The stream's recorded head is past its last readable event (its tail was deleted). */
  | 'truncated';

export interface ChainBreak {
  stream: string;
  revision: number;
  reason: ChainBreakReason;
}

type Head = { revision: number; hash: string };

/**
 * Incremental verifier: feed events in stream order (or in log order, where
 * each stream's events appear in revision order); `push` returns the first
 * broken link it sees and remembers only each stream's last hash.
 */
export class ChainVerifier {
  private readonly heads = new Map<string, Head>();

  push(event: RecordedEvent): ChainBreak | null {
    const head = this.heads.get(event.stream) ?? { revision: -1, hash: GENESIS_HASH };
    const at = (reason: ChainBreakReason): ChainBreak => ({
      stream: event.stream,
      revision: event.revision,
      reason,
    });
    if (event.revision > head.revision + 1) return at('revision_gap');
    if (event.revision <= head.revision) return at('out_of_order');
    if (event.prevHash !== head.hash) return at('prev_hash_mismatch');
    if (eventHash(event.prevHash, event) !== event.hash) return at('content_changed');
    this.heads.set(event.stream, { revision: event.revision, hash: event.hash });
    return null;
  }

  /** Last verified revision per stream (for comparing against the store's heads). */
  lastRevisions(): Map<string, number> {
    return new Map([...this.heads].map(([stream, head]) => [stream, head.revision]));
  }
}

/** Verifies one stream's events, read in revision order from revision 0. */
export function verifyStream(events: Iterable<RecordedEvent>): ChainBreak | null {
  const verifier = new ChainVerifier();
  for (const event of events) {
    const broken = verifier.push(event);
    if (broken) return broken;
  }
  return null;
}

export interface VerifyStoreOptions {
  /** Page size for reading the log. */
  batchSize?: number;
  /**
   * Also compare each stream's last verified revision with `streamRevision`,
   * catching a deleted tail; events newer than the walk are verified from the
   * stream first. One extra query per stream.
   */
  checkHeads?: boolean;
}

/** Walks the whole log in log order; returns the first broken link, or null if intact. */
export async function verifyStore(
  store: EventStore,
  options: VerifyStoreOptions = {},
): Promise<ChainBreak | null> {
  const verifier = new ChainVerifier();
  const limit = options.batchSize ?? 1000;
  let after: string | undefined;
  for (;;) {
    const events = await store.readAll(after === undefined ? { limit } : { after, limit });
    for (const event of events) {
      const broken = verifier.push(event);
      if (broken) return broken;
    }
    if (events.length < limit) break;
    after = events[events.length - 1]!.position;
  }
  if (options.checkHeads) {
    for (const [stream, revision] of verifier.lastRevisions()) {
      const head = await store.streamRevision(stream);
      if (head === revision) continue;
      // Events committed after the log walk (or not yet readable in log order)
      // are read from the stream itself before calling the tail missing.
      let last = revision;
      for (const event of await store.readStream(stream, { fromRevision: revision + 1 })) {
        const broken = verifier.push(event);
        if (broken) return broken;
        last = event.revision;
      }
      if (last < head) return { stream, revision: last + 1, reason: 'truncated' };
    }
  }
  return null;
}
