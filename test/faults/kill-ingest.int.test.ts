// SIGKILL in the middle of ingestion: `ledger serve` runs the gateway, the
// projections and the checkpointer on a fresh Postgres database; a fleet of
// simulated meters streams signed readings to it; the process is killed
// without warning right after a burst of sends (so readings are in flight,
// some committed and not acked, some not committed at all), then started
// again on the same port. The meters reconnect and resend what was never
// acked. Every reading is then stored exactly once by meter and seq, every
// acked one among them, the read models equal a clean rebuild, and the audit
// passes.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { Fleet } from '../../devices/fleet.ts';
import { openFaultWorld, type OpenedFaultWorld } from '../support/fault-world.ts';
import { freePort, startLedgerServe, type LedgerProcess } from '../support/ledger-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import {
  AckLog,
  expectEachReadingStoredOnce,
  expectRebuiltAndAudited,
  fleetState,
  keepSending,
  stopAndDrain,
  until,
} from './fault-checks.ts';
import { phaseTimer } from './phase-timer.ts';

const METERS = 8;
let database: TestDatabase;
let world: OpenedFaultWorld;
let server: LedgerProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase('fault');
  world = await openFaultWorld(database.url, METERS);
});

afterAll(async () => {
  await server?.kill('SIGKILL');
  await world?.close();
  await database?.drop();
});

it('stores every reading once across a SIGKILL of the server, acked ones included', async () => {
  const port = await freePort();
  const { env } = world;
  const { timings, mark } = phaseTimer('kill-ingest');
  let t = Date.now();
  server = await startLedgerServe(port, env);
  mark('firstStartMs', t);

  const acks = new AckLog();
  const rejects: string[] = [];
  const fleet = Fleet.create({
    url: `ws://127.0.0.1:${port}/iot/v1`,
    meters: world.meters.map((m) => m.spec),
    backoff: { baseMs: 100, maxMs: 1_000 },
    onAck: acks.onAck,
    onReject: (m, seq, code) => rejects.push(`${m}:${seq}:${code}`),
  });
  fleet.connect(200);
  await fleet.waitConnected();
  const sending = keepSending(fleet, 40);
  try {
    await until('150 readings acked', () => acks.total >= 150, 15_000);
    // Right after a burst: readings are on the wire and in the group commit.
    for (const m of fleet.meters) m.sendReading();
    const inFlight = fleet.meters.reduce((n, m) => n + m.unacked.size, 0);
    const ackedBeforeKill = acks.total;
    t = Date.now();
    await server.kill('SIGKILL');
    mark('killMs', t);
    expect(inFlight).toBeGreaterThan(0);

    t = Date.now();
    server = await startLedgerServe(port, env);
    mark('restartMs', t);
    await until('the fleet reconnected', () => fleet.connectedCount() === METERS, 15_000);
    mark('reconnectedMs', t);
    await until(
      'readings acked after the restart',
      () => acks.total > ackedBeforeKill + 50,
      15_000,
    );
    await stopAndDrain(fleet, sending, mark);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nrejected: ${rejects.join(' ')}\n${fleetState(fleet, server?.output())}`,
      { cause: error },
    );
  } finally {
    sending.stop();
    await fleet.stop();
  }
  await server.kill('SIGTERM');
  server = undefined;

  const sent = await expectEachReadingStoredOnce(world.store, fleet, acks);
  await expectRebuiltAndAudited(world.store, world.db, mark, sent);
  console.log(JSON.stringify({ test: 'kill-ingest', meters: METERS, readings: sent, ...timings }));
}, 55_000);
