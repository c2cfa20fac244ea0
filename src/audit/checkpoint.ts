// Creating and checking signed checkpoints. A checkpoint covers the events in
// (previous toPosition, toPosition] of the log, checkpoint events excluded;
// its Merkle leaves are those events' 32-byte hashes in log order. What is
// signed is SHA-256 of the canonical JSON of the fields plus a domain tag, so
// a checkpoint signature can never be confused with a reading signature.

import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { canonicalJson, GENESIS_HASH } from '../eventstore/integrity.ts';
import { isWrongExpectedRevision } from '../eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import {
  CHECKPOINT_STREAM,
  checkpointEvents,
  type Checkpoint,
  type CheckpointFields,
} from './events.ts';
import { verifyLedgerSignature, type LedgerKey } from './ledger-key.ts';
import { fromHex, merkleRoot, toHex } from './merkle.ts';

const SIGNING_DOMAIN = 'meterledger/v1/checkpoint';
// Namespace for checkpoint event ids: two checkpointers racing to write the
// same checkpoint produce the same id, so the second append is a no-op.
const CHECKPOINT_ID_NAMESPACE = '0b7c5e2a-8f1d-4c3b-a6e9-5d4f3a2b1c0e';

export const DEFAULT_MAX_EVENTS_PER_CHECKPOINT = 50_000;

/** The 32-byte hash a checkpoint's signature covers. */
export function checkpointSigningHash(fields: CheckpointFields): Uint8Array {
  const { fromPosition, toPosition, eventCount, merkleRoot, previousCheckpointHash, publicKey } =
    fields;
  const canonical = canonicalJson({
    domain: SIGNING_DOMAIN,
    ...{ fromPosition, toPosition, eventCount, merkleRoot, previousCheckpointHash, publicKey },
  });
  return new Uint8Array(createHash('sha256').update(canonical, 'utf8').digest());
}

export const signCheckpoint = (fields: CheckpointFields, key: LedgerKey): Checkpoint => ({
  ...fields,
  signature: toHex(key.sign(checkpointSigningHash(fields))),
});

export const checkpointSignatureValid = (checkpoint: Checkpoint): boolean =>
  verifyLedgerSignature(
    checkpoint.publicKey,
    checkpointSigningHash(checkpoint),
    checkpoint.signature,
  );

/** The Merkle leaf of an event: its stored chain hash as bytes. */
export function leafOf(event: Pick<RecordedEvent, 'hash'>): Uint8Array {
  const bytes = fromHex(event.hash);
  if (!bytes || bytes.length !== 32) throw new Error(`event hash ${event.hash} is not 32 bytes`);
  return bytes;
}

export const isCheckpointEvent = (event: Pick<RecordedEvent, 'stream'>): boolean =>
  event.stream === CHECKPOINT_STREAM;

/** A stored checkpoint, parsed; throws when the event is not a well-formed checkpoint. */
export function parseCheckpoint(event: RecordedEvent): Checkpoint {
  return checkpointEvents.schemas.CheckpointRecorded.parse(event.data);
}

export interface StoredCheckpoint {
  event: RecordedEvent;
  checkpoint: Checkpoint;
}

export async function lastCheckpoint(store: EventStore): Promise<StoredCheckpoint | null> {
  const revision = await store.streamRevision(CHECKPOINT_STREAM);
  if (revision < 0) return null;
  const [event] = await store.readStream(CHECKPOINT_STREAM, { fromRevision: revision, limit: 1 });
  return event ? { event, checkpoint: parseCheckpoint(event) } : null;
}

/** Every checkpoint, oldest first. */
export async function allCheckpoints(store: EventStore): Promise<StoredCheckpoint[]> {
  const events = await store.readStream(CHECKPOINT_STREAM);
  return events.map((event) => ({ event, checkpoint: parseCheckpoint(event) }));
}

/** The events a checkpoint after `after` would cover, at most `max`, in log order. */
export async function leafEventsAfter(
  store: EventStore,
  after: string | null,
  max: number,
  until?: string,
): Promise<RecordedEvent[]> {
  const leaves: RecordedEvent[] = [];
  let cursor = after ?? undefined;
  const page = 1000;
  for (;;) {
    const events = await store.readAll(
      cursor === undefined ? { limit: page } : { after: cursor, limit: page },
    );
    for (const event of events) {
      if (until !== undefined && store.comparePositions(event.position, until) > 0) return leaves;
      if (isCheckpointEvent(event)) continue;
      leaves.push(event);
      if (leaves.length >= max) return leaves;
    }
    if (events.length < page) return leaves;
    cursor = events[events.length - 1]!.position;
  }
}

export interface CreateCheckpointOptions {
  store: EventStore;
  key: LedgerKey;
  /** Upper bound on leaves per checkpoint, so memory stays bounded on a long backlog. */
  maxEvents?: number;
}

/**
 * Appends a checkpoint over the events since the previous one; null when no
 * event has been appended since. The range is final once read: the store only
 * hands out events below every running transaction, so nothing can later
 * appear before `toPosition`.
 */
export async function createCheckpoint(
  options: CreateCheckpointOptions,
): Promise<StoredCheckpoint | null> {
  const { store, key } = options;
  const previous = await lastCheckpoint(store);
  const fromPosition = previous?.checkpoint.toPosition ?? null;
  const max = options.maxEvents ?? DEFAULT_MAX_EVENTS_PER_CHECKPOINT;
  const leaves = await leafEventsAfter(store, fromPosition, max);
  if (leaves.length === 0) return null;
  const fields: CheckpointFields = {
    fromPosition,
    toPosition: leaves[leaves.length - 1]!.position,
    eventCount: leaves.length,
    merkleRoot: toHex(merkleRoot(leaves.map(leafOf))),
    previousCheckpointHash: previous?.event.hash ?? GENESIS_HASH,
    publicKey: key.publicKey,
  };
  const checkpoint = signCheckpoint(fields, key);
  const id = uuidv5(
    `${fields.previousCheckpointHash}/${fields.toPosition}`,
    CHECKPOINT_ID_NAMESPACE,
  );
  try {
    await store.append(CHECKPOINT_STREAM, [{ id, type: 'CheckpointRecorded', data: checkpoint }], {
      expectedRevision: previous ? previous.event.revision : 'no_stream',
    });
  } catch (error) {
    // Another checkpointer appended first; its checkpoint stands and the next
    // call covers whatever it did not.
    if (!isWrongExpectedRevision(error)) throw error;
  }
  const written = await lastCheckpoint(store);
  if (!written) throw new Error('checkpoint vanished after its append');
  return written;
}
