// The ledger's own stream (`checkpoint-ledger`): signed checkpoints. Each one
// commits, with an RFC 6962 Merkle root, to the hashes of every event appended
// since the previous checkpoint, and names that checkpoint's hash, so the
// checkpoints form a signed chain an auditor checks with the public key alone.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../domain/shared/events.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const checkpointFieldsSchema = z.object({
  /** Exclusive start: the previous checkpoint's `toPosition`, or null from the log's start. */
  fromPosition: z.string().nullable(),
  /** Inclusive end: position of the last event the root covers. */
  toPosition: z.string(),
  /** Number of leaves: events in (fromPosition, toPosition], checkpoint events excluded. */
  eventCount: z.number().int().positive(),
  /** RFC 6962 tree hash over those events' `hash` bytes, in log order. */
  merkleRoot: hex64,
  /** `hash` of the previous CheckpointRecorded event; 64 zeros for the first. */
  previousCheckpointHash: hex64,
  /** Compressed secp256k1 key of the ledger that signed it. */
  publicKey: z.string().regex(/^0[23][0-9a-f]{64}$/),
});

export const checkpointEvents = defineEvents(
  'checkpoint',
  'The ledger’s signed checkpoints (one stream, `checkpoint-ledger`): Merkle roots of the event log.',
  {
    CheckpointRecorded: checkpointFieldsSchema.extend({
      /** Compact r‖s, low-S, over SHA-256 of the canonical encoding of the fields above. */
      signature: z.string().regex(/^[0-9a-f]{128}$/),
    }),
  },
);

export type CheckpointEvent = EventsOf<typeof checkpointEvents>;
export type CheckpointFields = z.infer<typeof checkpointFieldsSchema>;
export type Checkpoint = z.infer<typeof checkpointEvents.schemas.CheckpointRecorded>;

export const CHECKPOINT_STREAM = streamName(checkpointEvents.category, 'ledger');
