// The meters' side of a fault, against a real gateway server over WebSockets
// (in-memory directory and sink): a meter whose gateway went away says it is
// not connected and keeps a new reading in its backlog instead of writing to
// the dead socket and waiting forever (stopping settles it); a fleet meter keeps readings the gateway
// refused with UNAVAILABLE and stores them once the gateway can again.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Fleet } from '../../devices/fleet.ts';
import { writeMeterKeyFile } from '../../devices/keys.ts';
import { MeterClient, type MeterClientEvent } from '../../devices/meter.ts';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import { startGatewayServer, type GatewayServer } from '../../src/iot/gateway/server.ts';
import type { Reading } from '../../src/iot/protocol/canonical.ts';
import type { SinkResult } from '../../src/iot/session/ports.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { MemoryDirectory, MemorySink, testKey } from '../iot/fixtures.ts';
import { until } from './fault-checks.ts';

const gatewayKey = testKey('fault gateway');

/** Refuses every reading with UNAVAILABLE while `down` (its database is away). */
class FlakySink extends MemorySink {
  down = false;
  override async accept(reading: Reading, signature: Uint8Array): Promise<SinkResult> {
    if (this.down) return { ok: false, code: 'UNAVAILABLE' };
    return super.accept(reading, signature);
  }
}

let dir: string;
let directory: MemoryDirectory;
let sink: FlakySink;
let gateway: GatewayServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fault-meter-'));
  directory = new MemoryDirectory();
  sink = new FlakySink();
  gateway = await startGatewayServer({
    gatewayId: 'gw-fault',
    gatewayPrivateKey: gatewayKey,
    directory,
    sink,
    verifier: inlineVerifier(),
    port: 0,
  });
});

afterAll(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

it('a meter client whose gateway is gone keeps a reading for later and settles it on stop, never hanging', async () => {
  const meterId = 'fault-client';
  const keyFile = join(dir, `${meterId}.key.json`);
  directory.register(meterId, testKey(meterId));
  await writeMeterKeyFile(keyFile, {
    meterId,
    privateKey: testKey(meterId),
    gatewayPublicKey: publicKeyOf(gatewayKey),
  });
  // Its own gateway on the same sink, to take down without affecting the next test.
  const own = await startGatewayServer({
    gatewayId: 'gw-fault-2',
    gatewayPrivateKey: gatewayKey,
    directory,
    sink,
    verifier: inlineVerifier(),
    port: 0,
  });
  const events: MeterClientEvent[] = [];
  const client = await MeterClient.create({
    url: own.url!,
    keyFile,
    seqFile: join(dir, `${meterId}.seq`),
    readRegister: () => 1000,
    // Long enough that the next connection attempt comes after the checks below.
    backoff: { baseMs: 60_000, maxMs: 60_000 },
    random: () => 0.5,
    onEvent: (e) => events.push(e),
  });
  client.start();
  await client.waitConnected();
  expect(await client.sendReading()).toEqual({ seq: 1, result: 'ack' });

  await own.close();
  await until(
    'the meter to see the disconnect',
    () => events.some((e) => e.type === 'disconnected'),
    5_000,
  );
  expect(client.connected).toBe(false);
  // Kept in the backlog for the next session (section 9), not sent to the dead socket.
  const outcome = client.sendReading();
  await until('the reading to wait in the backlog', () => client.backlogSize === 1, 5_000);
  await client.stop();
  expect(await outcome).toEqual({ seq: 2, result: 'disconnected' });
});

it('a fleet meter keeps readings refused UNAVAILABLE and stores them once the gateway can', async () => {
  const meterId = 'fault-fleet';
  directory.register(meterId, testKey(meterId));
  const rejected: string[] = [];
  let retriedLater = 0;
  const fleet = Fleet.create({
    url: gateway.url!,
    meters: [
      {
        identity: {
          meterId,
          privateKey: testKey(meterId),
          gatewayPublicKey: publicKeyOf(gatewayKey),
        },
        profile: 'residential',
        startWh: 5_000,
        lastSeq: 0,
      },
    ],
    backoff: { baseMs: 50, maxMs: 200 },
    onReject: (_m, seq, code) => rejected.push(`${seq}:${code}`),
    onRetryLater: () => void retriedLater++,
  });
  fleet.connect(0);
  await fleet.waitConnected();
  const [meter] = fleet.meters;
  sink.down = true;
  for (let i = 0; i < 3; i++) expect(meter!.sendReading()).toBe(true);
  await until('a refusal to be seen', () => retriedLater > 0, 5_000);
  // Refused for now: kept, not dropped; and not connected until the backoff has passed.
  expect(meter!.unacked.size).toBe(3);
  sink.down = false;
  await until('the kept readings to be stored', () => meter!.unacked.size === 0, 10_000);
  await fleet.stop();
  expect(rejected).toEqual([]);
  expect(sink.storedFor(meterId).map((r) => r.seq)).toEqual([1, 2, 3]);
});
