// Signature verifications per second: native libsecp256k1 vs @noble in one
// thread vs the worker pool, all on the same pre-signed inputs. The last
// stdout line is JSON for docs/benchmarks.md and CI trend tracking.

import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { publicKeyOf, uncompressedPublicKey } from '../src/iot/crypto/ecdsa.ts';
import { nativeVerify } from '../src/iot/verify/native.ts';
import { nobleVerify } from '../src/iot/verify/noble.ts';
import { VerifyPool } from '../src/iot/verify/pool.ts';
import type { VerifierKind, VerifyFn, VerifyItem } from '../src/iot/verify/types.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ITEMS = 2048;

// Sign with the native binding so making the inputs takes a moment, not minutes.
const signer = createRequire(import.meta.url)('secp256k1/bindings') as {
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array };
};
const enc = new TextEncoder();
const items: VerifyItem[] = Array.from({ length: ITEMS }, (_, i) => {
  const key = sha256(enc.encode(`bench meter ${i % 64}`));
  const hash = sha256(enc.encode(`bench reading ${i}`));
  return { publicKey: publicKeyOf(key), hash, signature: signer.ecdsaSign(hash, key).signature };
});

// The gateway's sessions verify readings under the meter's key uncompressed.
const uncompressedItems = items.map((it) => ({
  ...it,
  publicKey: uncompressedPublicKey(it.publicKey),
}));

const inThread = (verify: VerifyFn, inputs: VerifyItem[] = items): number => {
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  let n = 0;
  while (performance.now() < end) {
    const it = inputs[n % ITEMS] as VerifyItem;
    if (!verify(it.publicKey, it.hash, it.signature)) throw new Error(`item ${n % ITEMS} failed`);
    n++;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
};

const pooled = async (kind: VerifierKind, size: number): Promise<number> => {
  const pool = await VerifyPool.start({ kind, size });
  try {
    // Warm-up: the first batch pays for worker JIT and module loading.
    await pool.verifyBatch(items.slice(0, 64));
    const batch = kind === 'native' ? items : items.slice(0, 256);
    const start = performance.now();
    const end = start + SECONDS * 1000;
    let n = 0;
    while (performance.now() < end) {
      const results = await pool.verifyBatch(batch);
      if (results.some((ok) => !ok)) throw new Error('pool rejected a valid signature');
      n += batch.length;
    }
    return Math.round(n / ((performance.now() - start) / 1000));
  } finally {
    await pool.close();
  }
};

const cores = availableParallelism();
if (!nativeVerify) throw new Error('native binding did not load; nothing to compare');
const nativePerSec = inThread(nativeVerify);
console.log(`native, 1 thread:  ${nativePerSec}/s`);
const nativeUncompressedKeyPerSec = inThread(nativeVerify, uncompressedItems);
console.log(`native, 1 thread, uncompressed keys: ${nativeUncompressedKeyPerSec}/s`);
const noblePerSec = inThread(nobleVerify);
console.log(`noble, 1 thread:   ${noblePerSec}/s`);
const poolNativePerSec = await pooled('native', cores);
console.log(`native, pool x${cores}: ${poolNativePerSec}/s`);
const poolNoblePerSec = await pooled('noble', cores);
console.log(`noble, pool x${cores}:  ${poolNoblePerSec}/s`);
// One worker: against nativePerSec this isolates the pool's hand-off cost from core contention.
const poolNativeOneWorkerPerSec = await pooled('native', 1);
console.log(`native, pool x1:   ${poolNativeOneWorkerPerSec}/s`);
console.log(
  JSON.stringify({
    nativePerSec,
    nativeUncompressedKeyPerSec,
    noblePerSec,
    poolNativePerSec,
    poolNoblePerSec,
    poolNativeOneWorkerPerSec,
    poolSize: cores,
    cores,
    seconds: SECONDS,
    loadAvg1m: Number(loadavg()[0]?.toFixed(2)),
    node: process.version,
  }),
);
