// Inclusion proofs: for one event, the checkpoint that covers it, its leaf
// index and RFC 6962 audit path. A proof carries the event's hashed content,
// so whoever verifies it re-derives the event hash, then the Merkle root, then
// checks the ledger's signature over that root: no store access, no secret.

import { eventHash } from '../eventstore/integrity.ts';
import type { EventStore, JsonObject, RecordedEvent } from '../eventstore/port.ts';
import {
  allCheckpoints,
  checkpointSignatureValid,
  isCheckpointEvent,
  leafEventsAfter,
  leafOf,
} from './checkpoint.ts';
import type { Checkpoint } from './events.ts';
import { fromHex, inclusionPath, leafHash, toHex, verifyInclusion } from './merkle.ts';

export type ProofErrorCode = 'EVENT_NOT_FOUND' | 'NOT_YET_CHECKPOINTED' | 'NOT_A_LEAF';

export class ProofError extends Error {
  constructor(
    readonly code: ProofErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProofError';
  }
}

export interface ProvenEvent {
  id: string;
  stream: string;
  revision: number;
  position: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  prevHash: string;
  hash: string;
}

export interface InclusionProof {
  event: ProvenEvent;
  leafIndex: number;
  /** Leaves in the checkpoint's tree (its eventCount). */
  treeSize: number;
  /** Sibling hashes from the leaf upwards, hex. */
  path: string[];
  checkpoint: Checkpoint & { eventId: string; position: string; hash: string };
}

const proven = (e: RecordedEvent): ProvenEvent => ({
  ...{ id: e.id, stream: e.stream, revision: e.revision, position: e.position },
  ...{ type: e.type, data: e.data, metadata: e.metadata, prevHash: e.prevHash, hash: e.hash },
});

/**
 * Builds the proof for `eventId`. Walks the checkpoints' ranges in order, so
 * it costs one read of the log up to the covering checkpoint.
 */
export async function inclusionProof(store: EventStore, eventId: string): Promise<InclusionProof> {
  const checkpoints = await allCheckpoints(store);
  for (const { event: cpEvent, checkpoint } of checkpoints) {
    if (cpEvent.id === eventId)
      throw new ProofError('NOT_A_LEAF', 'checkpoint events are not leaves of any checkpoint');
    const leaves = await leafEventsAfter(
      store,
      checkpoint.fromPosition,
      Number.MAX_SAFE_INTEGER,
      checkpoint.toPosition,
    );
    const index = leaves.findIndex((e) => e.id === eventId);
    if (index < 0) continue;
    return {
      event: proven(leaves[index]!),
      leafIndex: index,
      treeSize: leaves.length,
      path: inclusionPath(leaves.map(leafOf), index).map(toHex),
      checkpoint: {
        ...checkpoint,
        ...{ eventId: cpEvent.id, position: cpEvent.position, hash: cpEvent.hash },
      },
    };
  }
  const after = checkpoints.at(-1)?.checkpoint.toPosition ?? null;
  const pending = await leafEventsAfter(store, after, Number.MAX_SAFE_INTEGER);
  if (pending.some((e) => e.id === eventId))
    throw new ProofError('NOT_YET_CHECKPOINTED', `event ${eventId} is after the last checkpoint`);
  throw new ProofError('EVENT_NOT_FOUND', `no event ${eventId} in the log`);
}

export type ProofVerdict = { ok: true } | { ok: false; reason: string };

export interface VerifyProofOptions {
  /** Ledger public keys the verifier trusts; omitted: the key the checkpoint names. */
  trustedPublicKeys?: string[];
}

/** Checks a proof from its own contents (and optionally a pinned ledger key). */
export function verifyInclusionProof(
  proof: InclusionProof,
  options: VerifyProofOptions = {},
): ProofVerdict {
  const fail = (reason: string): ProofVerdict => ({ ok: false, reason });
  const { event, checkpoint } = proof;
  if (isCheckpointEvent(event)) return fail('a checkpoint event is never a leaf');
  if (eventHash(event.prevHash, event) !== event.hash)
    return fail('the event content does not hash to its hash');
  const trusted = options.trustedPublicKeys;
  if (trusted && !trusted.includes(checkpoint.publicKey))
    return fail(`checkpoint signed by untrusted key ${checkpoint.publicKey}`);
  if (!checkpointSignatureValid(checkpoint)) return fail('checkpoint signature is invalid');
  if (proof.treeSize !== checkpoint.eventCount)
    return fail(`tree size ${proof.treeSize} is not the checkpoint's ${checkpoint.eventCount}`);
  const path = proof.path.map(fromHex);
  const root = fromHex(checkpoint.merkleRoot);
  if (path.some((p) => p === null || p.length !== 32) || !root)
    return fail('path or root is not 32-byte hex');
  const leaf = leafHash(leafOf(event));
  if (!verifyInclusion(leaf, proof.leafIndex, proof.treeSize, path as Uint8Array[], root))
    return fail('the audit path does not lead to the signed Merkle root');
  return { ok: true };
}
