// Signed checkpoints and inclusion proofs on real Postgres: what a checkpoint
// covers, how checkpoints chain, proofs for every event, the periodic
// checkpointer, and the rejections (unknown, uncovered and tampered proofs).

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  allCheckpoints,
  checkpointSignatureValid,
  createCheckpoint,
  leafOf,
} from '../../src/audit/checkpoint.ts';
import { startCheckpointer } from '../../src/audit/checkpointer.ts';
import { CHECKPOINT_STREAM } from '../../src/audit/events.ts';
import { ledgerKeyFromHex } from '../../src/audit/ledger-key.ts';
import { merkleRoot, toHex } from '../../src/audit/merkle.ts';
import {
  inclusionProof,
  verifyInclusionProof,
  type InclusionProof,
} from '../../src/audit/proof.ts';
import { GENESIS_HASH } from '../../src/eventstore/integrity.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { createPostgresTestStore } from '../support/store.ts';
import { waitForWholeLog } from './wait.ts';

const key = ledgerKeyFromHex('11'.repeat(32));
const otherKey = ledgerKeyFromHex('22'.repeat(32));
const ts = openedBeforeAll(createPostgresTestStore);

const appendSome = async (stream: string, n: number) => {
  for (let i = 0; i < n; i++)
    await ts.store.append(stream, [{ id: randomUUID(), type: 'Thing', data: { i } }]);
  await waitForWholeLog(ts.store, ts.db);
};
const nonCheckpointEvents = async (): Promise<RecordedEvent[]> =>
  (await ts.store.readAll()).filter((e) => e.stream !== CHECKPOINT_STREAM);

describe('checkpoints', () => {
  it('writes nothing for an empty log', async () => {
    expect(await createCheckpoint({ store: ts.store, key })).toBeNull();
  });

  it('signs the Merkle root of every event hash so far, in log order', async () => {
    await appendSome('thing-a', 3);
    await appendSome('thing-b', 2);
    const written = await createCheckpoint({ store: ts.store, key });
    const events = await nonCheckpointEvents();
    expect(written?.checkpoint).toMatchObject({
      fromPosition: null,
      toPosition: events.at(-1)!.position,
      eventCount: 5,
      merkleRoot: toHex(merkleRoot(events.map(leafOf))),
      previousCheckpointHash: GENESIS_HASH,
      publicKey: key.publicKey,
    });
    expect(checkpointSignatureValid(written!.checkpoint)).toBe(true);
    expect(written!.event.stream).toBe(CHECKPOINT_STREAM);
    // Nothing new since: no empty checkpoint.
    expect(await createCheckpoint({ store: ts.store, key })).toBeNull();
  });

  it('chains the next checkpoint to the previous one and covers only new events', async () => {
    const [first] = await allCheckpoints(ts.store);
    await appendSome('thing-c', 4);
    const second = await createCheckpoint({ store: ts.store, key, maxEvents: 3 });
    expect(second?.checkpoint).toMatchObject({
      fromPosition: first!.checkpoint.toPosition,
      eventCount: 3,
      previousCheckpointHash: first!.event.hash,
    });
    const third = await createCheckpoint({ store: ts.store, key });
    expect(third?.checkpoint).toMatchObject({
      fromPosition: second!.checkpoint.toPosition,
      eventCount: 1,
      previousCheckpointHash: second!.event.hash,
    });
  });

  it('detects a checkpoint whose fields changed after signing', async () => {
    const [first] = await allCheckpoints(ts.store);
    const cp = first!.checkpoint;
    expect(checkpointSignatureValid({ ...cp, eventCount: cp.eventCount + 1 })).toBe(false);
    expect(checkpointSignatureValid({ ...cp, merkleRoot: 'ab'.repeat(32) })).toBe(false);
    expect(checkpointSignatureValid({ ...cp, publicKey: otherKey.publicKey })).toBe(false);
  });
});

describe('inclusion proofs', () => {
  it('proves every checkpointed event', async () => {
    for (const event of await nonCheckpointEvents()) {
      const proof = await inclusionProof(ts.store, event.id);
      expect(proof.event.id).toBe(event.id);
      expect(verifyInclusionProof(proof)).toEqual({ ok: true });
      expect(verifyInclusionProof(proof, { trustedPublicKeys: [key.publicKey] })).toEqual({
        ok: true,
      });
    }
  });

  it('refuses unknown, uncovered and checkpoint events', async () => {
    await expect(inclusionProof(ts.store, randomUUID())).rejects.toMatchObject({
      code: 'EVENT_NOT_FOUND',
    });
    await appendSome('thing-d', 1);
    const pending = (await nonCheckpointEvents()).at(-1)!;
    await expect(inclusionProof(ts.store, pending.id)).rejects.toMatchObject({
      code: 'NOT_YET_CHECKPOINTED',
    });
    const [first] = await allCheckpoints(ts.store);
    await expect(inclusionProof(ts.store, first!.event.id)).rejects.toMatchObject({
      code: 'NOT_A_LEAF',
    });
  });

  it('fails a proof whose event, path, root, size or signer was changed', async () => {
    const target = (await nonCheckpointEvents())[2]!;
    const proof = await inclusionProof(ts.store, target.id);
    const reasonOf = (p: InclusionProof, trusted?: string[]) => {
      const verdict = verifyInclusionProof(p, { trustedPublicKeys: trusted });
      return verdict.ok ? 'ok' : verdict.reason;
    };
    expect(reasonOf({ ...proof, event: { ...proof.event, data: { i: 99 } } })).toMatch(
      /content does not hash/,
    );
    const path = [...proof.path];
    path[0] = 'ff'.repeat(32);
    expect(reasonOf({ ...proof, path })).toMatch(/audit path/);
    expect(reasonOf({ ...proof, leafIndex: proof.leafIndex + 1 })).toMatch(/audit path/);
    expect(reasonOf({ ...proof, treeSize: proof.treeSize + 1 })).toMatch(/tree size/);
    const root = { ...proof.checkpoint, merkleRoot: 'ab'.repeat(32) };
    expect(reasonOf({ ...proof, checkpoint: root })).toMatch(/signature/);
    expect(reasonOf(proof, [otherKey.publicKey])).toMatch(/untrusted key/);
  });
});

describe('periodic checkpointer', () => {
  it('checkpoints once enough events arrive, and drains a backlog past the cap', async () => {
    const before = (await allCheckpoints(ts.store)).length;
    const checkpointer = await startCheckpointer({
      store: ts.store,
      key,
      everyEvents: 3,
      everyMs: 60_000,
      maxEventsPerCheckpoint: 2,
    });
    try {
      // One event is already pending from the test above; three more trigger a run.
      await appendSome('thing-e', 3);
      const deadline = Date.now() + 10_000;
      let covered = 0;
      while (Date.now() < deadline) {
        const all = await allCheckpoints(ts.store);
        covered = all.slice(before).reduce((n, c) => n + c.checkpoint.eventCount, 0);
        if (covered >= 4) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(covered).toBe(4);
      expect(await checkpointer.checkpointNow()).toBeNull();
    } finally {
      await checkpointer.stop();
    }
  });

  it('rejects non-positive periods', async () => {
    await expect(
      startCheckpointer({ store: ts.store, key, everyEvents: 0, everyMs: 1000 }),
    ).rejects.toThrow(RangeError);
  });
});
