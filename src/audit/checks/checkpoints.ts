// Check: every checkpoint is well formed, signed by the key it names (and, if
// the auditor pinned keys, by a trusted one), chained to the previous
// checkpoint, and its event count and Merkle root match the events the replay
// saw in its range. Leaves are held only between two checkpoints.

import { GENESIS_HASH } from '../../eventstore/integrity.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { failureAt, parseData, type AuditCheck, type AuditFailure } from '../check.ts';
import { checkpointSignatureValid, isCheckpointEvent, leafOf } from '../checkpoint.ts';
import { checkpointEvents } from '../events.ts';
import { merkleRoot, toHex } from '../merkle.ts';

type Leaf = Pick<RecordedEvent, 'position' | 'hash'>;

/** Hex root, or null when a stored hash is not 32-byte hex (the chain check names that event). */
function rootOf(leaves: Leaf[]): string | null {
  try {
    return toHex(merkleRoot(leaves.map(leafOf)));
  } catch {
    return null;
  }
}

export const checkpointsCheck: AuditCheck = {
  id: 'checkpoints',
  title: 'checkpoint signatures, Merkle roots and chain valid',
  start({ store, trustedLedgerKeys }) {
    const failures: AuditFailure[] = [];
    let pending: Leaf[] = [];
    let previous: { toPosition: string; hash: string } | null = null;
    let checked = 0;
    const keys = new Set<string>();

    function onCheckpoint(event: RecordedEvent): void {
      checked++;
      const fail = (reason: string) => failures.push(failureAt(event, reason));
      const parsed = parseData(checkpointEvents.schemas.CheckpointRecorded, event);
      if (!parsed.ok) {
        failures.push(parsed.failure);
        return;
      }
      const cp = parsed.data;
      keys.add(cp.publicKey);
      if (trustedLedgerKeys && !trustedLedgerKeys.includes(cp.publicKey))
        fail(`signed by untrusted key ${cp.publicKey}`);
      if (!checkpointSignatureValid(cp)) fail('signature does not verify');
      const expectedFrom = previous?.toPosition ?? null;
      if (cp.fromPosition !== expectedFrom)
        fail(`fromPosition ${cp.fromPosition} is not the previous toPosition ${expectedFrom}`);
      if (cp.previousCheckpointHash !== (previous?.hash ?? GENESIS_HASH))
        fail("previousCheckpointHash is not the previous checkpoint's hash");
      const split = pending.findIndex((l) => store.comparePositions(l.position, cp.toPosition) > 0);
      const covered = split < 0 ? pending : pending.slice(0, split);
      pending = split < 0 ? [] : pending.slice(split);
      if (covered.length !== cp.eventCount)
        fail(`covers ${covered.length} events in its range, but records ${cp.eventCount}`);
      else if (rootOf(covered) !== cp.merkleRoot)
        fail('Merkle root does not match the events in its range');
      previous = { toPosition: cp.toPosition, hash: event.hash };
    }

    return {
      observe(event) {
        if (isCheckpointEvent(event)) onCheckpoint(event);
        else pending.push({ position: event.position, hash: event.hash });
      },
      async finish() {
        const notes = [
          checked === 0 ? 'no checkpoints yet' : `ledger keys: ${[...keys].join(', ')}`,
        ];
        if (pending.length > 0) notes.push(`${pending.length} events after the last checkpoint`);
        return { checked, failures, notes };
      },
    };
  },
};
