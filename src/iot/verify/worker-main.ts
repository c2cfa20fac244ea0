// Body of a verify-pool worker: receives packed batches (key slot ‖ 32-byte
// hash ‖ 64-byte signature per item, wire.ts), answers one byte per item (1 = valid).

import { parentPort, workerData } from 'node:worker_threads';
import { verifierFor } from './select.ts';
import type { VerifierKind } from './types.ts';
import {
  ITEM_BYTES,
  KEY_SLOT_BYTES,
  packedKey,
  type WorkerReply,
  type WorkerRequest,
} from './wire.ts';

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

const kind = (workerData as { kind: VerifierKind }).kind;
const verify = verifierFor(kind);
if (!verify) throw new Error(`verifier ${kind} is not available in this worker`);

port.on('message', (req: WorkerRequest) => {
  const packed = new Uint8Array(req.packed);
  const count = packed.length / ITEM_BYTES;
  const results = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * ITEM_BYTES;
    const hashAt = at + KEY_SLOT_BYTES;
    const ok = verify(
      packedKey(packed, at),
      packed.subarray(hashAt, hashAt + 32),
      packed.subarray(hashAt + 32, at + ITEM_BYTES),
    );
    results[i] = ok ? 1 : 0;
  }
  const reply: WorkerReply = { type: 'results', id: req.id, results };
  port.postMessage(reply, [results.buffer]);
});

const ready: WorkerReply = { type: 'ready', kind };
port.postMessage(ready);
