// The fleet runner against a real gateway on real Postgres: many meters
// connect with jitter, their readings are stored once each, `read` requests
// are answered with the request id, and after a gateway restart on the same
// port they reconnect and resend what was never acked.

import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Fleet, type FleetMeterSpec } from '../../devices/fleet.ts';
import { meterStream } from '../../src/domain/meter/index.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { identityOf, installMeter, readingsIn, startTestGateway } from '../iot/ingest-world.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

const COUNT = 40;
const ids = Array.from({ length: COUNT }, (_, i) => `FLEET-${i}`);
let db: PostgresTestStore;

beforeAll(async () => {
  db = await createPostgresTestStore();
  for (const id of ids) await installMeter(db.store, id);
});
afterAll(() => db.close());

const specs: FleetMeterSpec[] = ids.map((id, i) => ({
  identity: identityOf(id),
  profile: i % 3 === 0 ? 'commercial' : 'residential',
  startWh: 10_000 * i,
  lastSeq: 0,
  scale: 0.5 + (i % 5) / 4,
}));

it('stores every reading of the fleet once, answers reads and resends across a restart', async () => {
  const verifier = inlineVerifier();
  const first = await startTestGateway(db.store, verifier, { flushIntervalMs: 30 });
  const port = Number(new URL(first.url!).port);
  const rejected: string[] = [];
  const fleet = Fleet.start({
    url: first.url!,
    meters: specs,
    connectJitterMs: 300,
    backoff: { baseMs: 50, maxMs: 200 },
    onReject: (meterId, seq, code) => rejected.push(`${meterId}/${seq}/${code}`),
  });
  try {
    await fleet.waitConnected();
    for (const m of fleet.meters) m.presign(3);
    for (const m of fleet.meters) for (let i = 0; i < 3; i++) m.sendReading();
    expect(first.server.sendReadRequest('FLEET-7', 'req-1', 'run-1')).toBe(true);
    await expect.poll(() => fleet.meters.every((m) => m.unacked.size === 0)).toBe(true);
    expect(fleet.meters[7]!.readsAnswered).toBe(1);
    const answered = await db.store.readStream(meterStream('FLEET-7'));
    expect(answered.at(-1)!.data).toMatchObject({ seq: 4, requestId: 'req-1' });

    // Send more and restart the gateway on the same port while they are in flight.
    for (const m of fleet.meters) m.sendReading();
    await first.close();
    const second = await startTestGateway(db.store, verifier, { port });
    try {
      await fleet.waitConnected();
      await expect
        .poll(() => fleet.meters.every((m) => m.connected && m.unacked.size === 0), {
          timeout: 10_000,
        })
        .toBe(true);
    } finally {
      await fleet.stop();
      await second.close();
    }
  } finally {
    await fleet.stop();
  }
  expect(rejected).toEqual([]);
  for (const [i, id] of ids.entries()) {
    const stored = await readingsIn(db.store, id);
    const seqs = stored.map((s) => s.seq);
    expect(seqs).toEqual(i === 7 ? [1, 2, 3, 4, 5] : [1, 2, 3, 4]);
  }
});

it('sends readings in frames of up to maxBatch, stored once each across a gateway restart', async () => {
  const batchIds = ids.slice(0, 8).map((id) => `${id}-B`);
  for (const id of batchIds) await installMeter(db.store, id);
  const verifier = inlineVerifier();
  const first = await startTestGateway(db.store, verifier, { flushIntervalMs: 30 });
  const port = Number(new URL(first.url!).port);
  let acks = 0;
  const fleet = Fleet.start({
    url: first.url!,
    meters: batchIds.map((id, i) => ({ ...specs[i]!, identity: identityOf(id) })),
    maxBatch: 4,
    backoff: { baseMs: 50, maxMs: 200 },
    onAck: () => void acks++,
  });
  try {
    await fleet.waitConnected();
    for (const m of fleet.meters) m.presign(10);
    // 6 readings: one frame of 4 and one of 2.
    for (const m of fleet.meters) expect(m.sendReadings(6)).toBe(6);
    expect(fleet.meters.map((m) => [m.sent, m.framesSent])).toEqual(batchIds.map(() => [6, 2]));
    await expect.poll(() => acks).toBe(6 * batchIds.length);
    // Four more (one frame) in flight as the gateway restarts: acked before it closes, or resent.
    for (const m of fleet.meters) m.sendReadings(4);
    await first.close();
    const second = await startTestGateway(db.store, verifier, { port });
    try {
      await expect
        .poll(() => fleet.meters.every((m) => m.connected && m.unacked.size === 0), {
          timeout: 10_000,
        })
        .toBe(true);
    } finally {
      await fleet.stop();
      await second.close();
    }
  } finally {
    await fleet.stop();
  }
  for (const id of batchIds)
    expect((await readingsIn(db.store, id)).map((s) => s.seq)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
});

it('gives up on a connection whose upgrade is never answered and connects again', async () => {
  // Accepts TCP and then says nothing, as a gateway with an overflowing accept queue can.
  const sockets: Socket[] = [];
  let closed = 0;
  const silent = createServer((socket) => {
    sockets.push(socket);
    socket.resume(); // read (and ignore) the upgrade request, so its end is seen
    socket.on('close', () => closed++);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const fleet = Fleet.start({
    url: `ws://127.0.0.1:${port}/iot/v1`,
    meters: specs.slice(0, 1),
    connectJitterMs: 0,
    handshakeTimeoutMs: 200,
    backoff: { baseMs: 10, maxMs: 20 },
  });
  try {
    await expect.poll(() => sockets.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    // Each earlier attempt was abandoned, not left open beside the next.
    await expect.poll(() => closed).toBeGreaterThanOrEqual(2);
    expect(sockets.length - closed).toBeLessThanOrEqual(1);
  } finally {
    await fleet.stop();
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => silent.close(resolve));
  }
});
