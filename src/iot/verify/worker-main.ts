// Body of a verify-pool worker: receives packed batches (33-byte key ‖ 32-byte
// hash ‖ 64-byte signature per item), answers one byte per item (1 = valid).

import { parentPort, workerData } from 'node:worker_threads';
import { verifierFor } from './select.ts';
import type { VerifierKind } from './types.ts';
import { ITEM_BYTES, type WorkerReply, type WorkerRequest } from './wire.ts';

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
    const ok = verify(
      packed.subarray(at, at + 33),
      packed.subarray(at + 33, at + 65),
      packed.subarray(at + 65, at + ITEM_BYTES),
    );
    results[i] = ok ? 1 : 0;
  }
  const reply: WorkerReply = { type: 'results', id: req.id, results };
  port.postMessage(reply, [results.buffer]);
});

const ready: WorkerReply = { type: 'ready', kind };
port.postMessage(ready);
