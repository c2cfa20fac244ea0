// Turns accepted appends into the column arrays one `unnest` insert takes,
// chaining each stream's hashes from its head. Shared by the locked
// (transactional) append and the single-statement compare-and-swap append.

import { eventHashOfCanonical } from '../integrity.ts';
import type { ValidEvent } from '../validation.ts';

export interface ChainHead {
  revision: number;
  lastHash: string;
}

export interface ChainedBatch {
  cols: {
    stream: string[];
    revision: number[];
    id: string[];
    type: string[];
    data: string[];
    metadata: string[];
    prevHash: string[];
    hash: string[];
  };
  /** Per stream: the head the batch chains onto and the head it leaves. */
  heads: {
    stream: string[];
    fromRevision: number[];
    fromHash: string[];
    revision: number[];
    hash: string[];
  };
}

export function chainBatch(
  appends: { stream: string; events: ValidEvent[] }[],
  headOf: (stream: string) => ChainHead,
): ChainedBatch {
  const cols: ChainedBatch['cols'] = {
    stream: [],
    revision: [],
    id: [],
    type: [],
    data: [],
    metadata: [],
    prevHash: [],
    hash: [],
  };
  const heads: ChainedBatch['heads'] = {
    stream: [],
    fromRevision: [],
    fromHash: [],
    revision: [],
    hash: [],
  };
  for (const { stream, events } of appends) {
    const from = headOf(stream);
    let { revision, lastHash } = from;
    for (const event of events) {
      revision += 1;
      const hash = eventHashOfCanonical(
        lastHash,
        stream,
        revision,
        event.id,
        event.type,
        event.dataJson,
        event.metadataJson,
      );
      cols.stream.push(stream);
      cols.revision.push(revision);
      cols.id.push(event.id);
      cols.type.push(event.type);
      cols.data.push(event.dataJson);
      cols.metadata.push(event.metadataJson);
      cols.prevHash.push(lastHash);
      cols.hash.push(hash);
      lastHash = hash;
    }
    heads.stream.push(stream);
    heads.fromRevision.push(from.revision);
    heads.fromHash.push(from.lastHash);
    heads.revision.push(revision);
    heads.hash.push(lastHash);
  }
  return { cols, heads };
}

/**
 * Canonical JSON texts as one JSON array, the form the inserts take data and
 * metadata in: node-postgres would escape every quote of every text to send
 * them as a `jsonb[]` literal, which cost more than hashing them.
 */
export const jsonArray = (texts: string[]): string => `[${texts.join(',')}]`;

/**
 * A Postgres array literal of texts the store has validated (stream names,
 * event types, UUIDs, hex hashes): none holds a quote or a backslash, so one
 * join makes it, where node-postgres would run two regex replacements on
 * every element. Anything else goes to node-postgres as the array, escaped.
 */
export function textArray(values: string[]): string | string[] {
  if (UNSAFE_IN_ARRAY.test(values.join(''))) return values;
  return values.length === 0 ? '{}' : `{"${values.join('","')}"}`;
}
const UNSAFE_IN_ARRAY = /["\\]/;

/** A Postgres array literal of integers. */
export const integerArray = (values: number[]): string => `{${values.join(',')}}`;
