// The worker-thread pool gives the same answers as the in-thread verifiers,
// per item and in order, for both implementations.

import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  malleate,
  publicKeyOf,
  signHash,
  uncompressedPublicKey,
} from '../../src/iot/crypto/ecdsa.ts';
import { VerifyPool } from '../../src/iot/verify/pool.ts';
import type { VerifyItem } from '../../src/iot/verify/types.ts';

const enc = new TextEncoder();
const otherKey = sha256(enc.encode('not the signer'));
const items: { item: VerifyItem; valid: boolean }[] = Array.from({ length: 40 }, (_, i) => {
  const key = sha256(enc.encode(`pool key ${i % 5}`));
  const hash = sha256(enc.encode(`reading ${i}`));
  const sig = signHash(hash, key);
  const publicKey = publicKeyOf(key);
  switch (i % 4) {
    case 0:
      return { item: { publicKey, hash, signature: sig }, valid: true };
    case 1:
      return { item: { publicKey, hash, signature: malleate(sig) }, valid: false };
    case 2:
      return { item: { publicKey, hash: sha256(hash), signature: sig }, valid: false };
    default:
      return { item: { publicKey: publicKey.subarray(0, 32), hash, signature: sig }, valid: false };
  }
});

describe.each(['native', 'noble'] as const)('VerifyPool (%s)', (kind) => {
  let pool: VerifyPool;
  beforeAll(async () => {
    pool = await VerifyPool.start({ kind, size: 2, maxBatch: 7 });
  });
  afterAll(() => pool.close());

  it('verifies a batch across workers with per-item answers in order', async () => {
    const results = await pool.verifyBatch(items.map((x) => x.item));
    expect(results).toEqual(items.map((x) => x.valid));
  });

  it('verifies under uncompressed keys as under compressed ones', async () => {
    const uncompressed = items.map(({ item, valid }) =>
      item.publicKey.length === 33
        ? { item: { ...item, publicKey: uncompressedPublicKey(item.publicKey) }, valid }
        : { item, valid },
    );
    const results = await pool.verifyBatch(uncompressed.map((x) => x.item));
    expect(results).toEqual(uncompressed.map((x) => x.valid));
    // A wrong key in either form is refused.
    const [first, second] = [items[0]!.item, items[4]!.item];
    const swapped = { ...first, publicKey: uncompressedPublicKey(publicKeyOf(otherKey)) };
    expect(await pool.verifyBatch([swapped, second])).toEqual([false, true]);
  });

  it('coalesces single calls made in one tick', async () => {
    const results = await Promise.all(items.slice(0, 8).map((x) => pool.verify(x.item)));
    expect(results).toEqual(items.slice(0, 8).map((x) => x.valid));
  });

  it('replaces a worker that died and keeps answering', async () => {
    const crashing = await VerifyPool.start({ kind, size: 2 });
    try {
      // White-box: reach a worker to kill it, as an out-of-memory crash would.
      const slots = (
        crashing as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }
      ).slots;
      await slots[0]?.worker.terminate();
      await expect.poll(() => crashing.size, { timeout: 10_000 }).toBe(2);
      const results = await crashing.verifyBatch(items.map((x) => x.item));
      expect(results).toEqual(items.map((x) => x.valid));
    } finally {
      await crashing.close();
    }
  });

  it('refuses work after close', async () => {
    const closing = await VerifyPool.start({ kind, size: 1 });
    await closing.close();
    await expect(closing.verify(items[0]!.item)).rejects.toThrow(/closed/);
  });
});
