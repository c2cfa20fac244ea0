// Translation between our events and KurrentDB's. KurrentDB has no columns for
// the hash chain, so each stored event's metadata is an envelope
// `{ prevHash, hash, metadata }` holding the chain links beside the writer's
// own metadata; reading unwraps it, so recorded events look the same as from
// the Postgres adapter and the same verifier checks them.

import {
  jsonEvent,
  type EventData,
  type Position,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { eventHash } from '../integrity.ts';
import type { JsonObject, RecordedEvent } from '../port.ts';
import type { ValidEvent } from '../validation.ts';
import { encodePosition } from './positions.ts';

interface ChainEnvelope {
  prevHash: string;
  hash: string;
  metadata: JsonObject;
}

/** The tail an append chains onto: the stream's event at the expected revision. */
export interface ChainTail {
  revision: number;
  hash: string;
}

/** Builds the events to send, hashing each onto the previous one; `tail.revision` is -1 for a new stream. */
export function chainEvents(stream: string, tail: ChainTail, events: ValidEvent[]): EventData[] {
  let prevHash = tail.hash;
  return events.map((event, i) => {
    const revision = tail.revision + 1 + i;
    const hash = eventHash(prevHash, { stream, revision, ...event });
    const envelope: ChainEnvelope = { prevHash, hash, metadata: event.metadata };
    prevHash = hash;
    return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: envelope });
  });
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Uint8Array);

function unwrap(metadata: unknown): ChainEnvelope {
  if (
    isObject(metadata) &&
    typeof metadata.prevHash === 'string' &&
    typeof metadata.hash === 'string' &&
    isObject(metadata.metadata)
  ) {
    return { prevHash: metadata.prevHash, hash: metadata.hash, metadata: metadata.metadata };
  }
  // Not written by this adapter: empty links make the verifier report it
  // rather than a reader silently trusting or skipping it.
  return { prevHash: '', hash: '', metadata: isObject(metadata) ? metadata : {} };
}

/** True for KurrentDB's own events (`$`-typed, or in `$`-named streams). */
export const isSystemEvent = (event: { type: string; streamId: string }): boolean =>
  event.type.startsWith('$') || event.streamId.startsWith('$');

/** Maps a stored KurrentDB event; `position` is passed when the read does not carry one. */
export function toRecordedEvent(event: KurrentRecordedEvent, position?: Position): RecordedEvent {
  const at = event.position ?? position;
  if (!at) {
    throw new Error('KurrentDB returned an event without a log position (server older than 22.6?)');
  }
  const { prevHash, hash, metadata } = unwrap(event.metadata);
  return {
    id: event.id,
    stream: event.streamId,
    revision: Number(event.revision),
    position: encodePosition(at),
    type: event.type,
    data: event.isJson && isObject(event.data) ? event.data : {},
    metadata,
    recordedAt: event.created,
    prevHash,
    hash,
  };
}
