// A gateway restarted mid-stream on the same store: meters pipeline readings,
// the first gateway shuts down with some of them committed but not acked, and
// the meters resend every un-acked reading to a second gateway. No acked
// reading may be lost and no reading may be stored twice.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Reading } from '../../src/iot/protocol/canonical.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import {
  identityOf,
  installMeter,
  readingOf,
  readingsIn,
  startTestGateway,
} from './ingest-world.ts';
import { WsMeter } from './ws-meter.ts';

const METERS = ['R1', 'R2', 'R3', 'R4', 'R5'];
const READINGS = 20;
let db: PostgresTestStore;

beforeAll(async () => {
  db = await createPostgresTestStore();
  for (const id of METERS) await installMeter(db.store, id);
});
afterAll(() => db.close());

/**
 * Connects, sends every reading not acked yet, and returns a promise that
 * collects acks into `acked` until the socket closes or all are acked.
 */
async function sendUnacked(url: string, meterId: string, readings: Reading[], acked: Set<number>) {
  const m = await WsMeter.connect(url, identityOf(meterId));
  for (const r of readings) if (!acked.has(r.seq)) m.send(m.session.sealReading(r).frame);
  // Wrapped so awaiting the connection does not also await the acks.
  const pump = (async () => {
    let seen = 0;
    for (;;) {
      const done = await Promise.race([
        m.closed.then(() => true),
        m.until(() => m.events.length > seen, 10_000).then(() => false),
      ]);
      for (const e of m.events.slice(seen)) if (e.type === 'ack') acked.add(e.seq);
      seen = m.events.length;
      if (done || acked.size === readings.length) break;
    }
    m.close();
    await m.closed;
  })();
  return { pump };
}

it('loses no acked reading and stores none twice across a gateway restart', async () => {
  const verifier = inlineVerifier();
  const readings = new Map(
    METERS.map((id) => [id, Array.from({ length: READINGS }, (_, i) => readingOf(id, i + 1))]),
  );
  const acked = new Map(METERS.map((id) => [id, new Set<number>()]));

  // A slow flush keeps readings queued when the first gateway goes down, and
  // no drain wait: sockets close with pipelined readings still uncommitted,
  // which shutdown then writes without acking (as after a lost connection).
  const first = await startTestGateway(db.store, verifier, {
    flushIntervalMs: 40,
    maxBatch: 7,
    drainTimeoutMs: 0,
  });
  const running = await Promise.all(
    METERS.map((id) => sendUnacked(first.url!, id, readings.get(id)!, acked.get(id)!)),
  );
  while ([...acked.values()].every((s) => s.size === 0)) await new Promise((r) => setTimeout(r, 2));
  await first.close();
  await Promise.all(running.map((r) => r.pump));
  const ackedBefore = new Map(METERS.map((id) => [id, [...acked.get(id)!]]));
  const totalBefore = [...ackedBefore.values()].reduce((n, s) => n + s.length, 0);
  expect(totalBefore).toBeGreaterThan(0);
  expect(totalBefore).toBeLessThan(METERS.length * READINGS);
  // Shutdown wrote what was queued after the sockets closed: stored, never acked.
  const storedBefore = await Promise.all(METERS.map((id) => readingsIn(db.store, id)));
  expect(storedBefore.flat().length).toBeGreaterThan(totalBefore);

  const second = await startTestGateway(db.store, verifier);
  try {
    const resending = await Promise.all(
      METERS.map((id) => sendUnacked(second.url!, id, readings.get(id)!, acked.get(id)!)),
    );
    await Promise.all(resending.map((r) => r.pump));
  } finally {
    await second.close();
  }

  for (const id of METERS) {
    const stored = await readingsIn(db.store, id);
    const seqs = stored.map((s) => s.seq);
    expect(seqs).toEqual(Array.from({ length: READINGS }, (_, i) => i + 1));
    expect(new Set(stored.map((s) => s.id)).size).toBe(stored.length);
    for (const seq of ackedBefore.get(id)!) expect(seqs).toContain(seq);
    expect(acked.get(id)!.size).toBe(READINGS);
  }
});
