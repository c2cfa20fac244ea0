// Graceful drain of a gateway on real Postgres with meters sending over real
// WebSockets: close (what SIGTERM runs in `ledger serve` and `ledger gateway`)
// while group commits are in flight. Every acked reading is stored, every
// stored reading was acked before the session closed with 1001 (nothing taken
// in is dropped silently: a reading is either acked or never left the meter's
// un-acked queue), and no new meter gets in once draining has begun.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventStore } from '../../src/eventstore/port.ts';
import { runGateway, type RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import {
  gatewayKey,
  identityOf,
  installMeter,
  readingOf,
  readingsIn,
} from '../iot/ingest-world.ts';
import { WsMeter } from '../iot/ws-meter.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

const METERS = ['DR-1', 'DR-2', 'DR-3', 'DR-4', 'DR-5'];
// Enough that the meters are still sending when the first acks arrive, even on a
// loaded machine (the gateway takes up to 8 readings per meter in at once).
const PER_METER = 200;

let db: PostgresTestStore;
let commitsStarted = 0;

/** The store with slow group commits, so that shutdown finds some in flight. */
const slowStore = (store: EventStore): EventStore =>
  new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'appendMany') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<EventStore['appendMany']>) => {
        commitsStarted++;
        await new Promise((resolve) => setTimeout(resolve, 40));
        return target.appendMany(...args);
      };
    },
  });

beforeAll(async () => {
  db = await createPostgresTestStore();
  for (const id of METERS) await installMeter(db.store, id);
});
afterAll(async () => {
  await db?.close();
});

describe('gateway drain on shutdown', () => {
  it('acks and stores exactly what it took in, closes sessions with 1001, refuses new meters', async () => {
    const gateway: RunningGateway = await runGateway(
      { gatewayId: 'gw-1', gatewayPrivateKey: gatewayKey, billRuns: false, flushIntervalMs: 5 },
      { store: slowStore(db.store), verifier: inlineVerifier() },
    );
    const url = gateway.url!;
    const meters = await Promise.all(METERS.map((id) => WsMeter.connect(url, identityOf(id))));
    // Each meter sends its readings a few milliseconds apart, as a fleet would.
    const sending = meters.map(async (meter, i) => {
      for (let seq = 1; seq <= PER_METER; seq++) {
        if (meter.ws.readyState !== WebSocket.OPEN) return;
        meter.send(meter.session.sealReading(readingOf(METERS[i]!, seq)).frame);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    });
    // Shut down once some readings are acked and more are being committed.
    await meters[0]!.until((e) => e.type === 'ack' && e.seq >= 5);
    const startedBefore = commitsStarted;
    const closing = gateway.close();
    const late = new WebSocket(url);
    const lateClose = new Promise<number>((resolve) => {
      late.on('close', (code) => resolve(code));
      late.on('error', () => resolve(-1));
    });
    await closing;
    await Promise.all(sending);

    expect(startedBefore).toBeGreaterThan(0);
    for (const [i, meter] of meters.entries()) {
      const closed = await meter.closed;
      expect(closed.code).toBe(1001);
      const acked = meter.events.flatMap((e) => (e.type === 'ack' ? [e.seq] : []));
      const stored = (await readingsIn(db.store, METERS[i]!)).map((r) => r.seq);
      expect(acked.length).toBeGreaterThan(0);
      // In order, no gaps: the meter resends from its first un-acked reading.
      expect(stored).toEqual(Array.from({ length: stored.length }, (_, k) => k + 1));
      expect(stored).toEqual(acked);
    }
    // The shutdown cut in before the meters were done: there was something to drain.
    const total = (
      await Promise.all(METERS.map(async (id) => (await readingsIn(db.store, id)).length))
    ).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(METERS.length * PER_METER);
    expect([1001, 1006, -1]).toContain(await lateClose);
  });
});
