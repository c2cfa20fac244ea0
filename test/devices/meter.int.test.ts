// The meter client against a real gateway over WebSockets: readings acked,
// seq persisted across a meter restart, read requests answered, reconnection
// after the gateway restarts, and refusal of an unpinned gateway.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeMeterKeyFile } from '../../devices/keys.ts';
import { MeterClient, type MeterClientEvent } from '../../devices/meter.ts';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import { startGatewayServer, type GatewayServer } from '../../src/iot/gateway/server.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { MemoryDirectory, MemorySink, testKey } from '../iot/fixtures.ts';

const gatewayKey = testKey('gateway');
let dir: string;
let directory: MemoryDirectory;
let sink: MemorySink;
let gateway: GatewayServer;
const clients: MeterClient[] = [];

const startGateway = (port = 0) =>
  startGatewayServer({
    gatewayId: 'gw-devices',
    gatewayPrivateKey: gatewayKey,
    directory,
    sink,
    verifier: inlineVerifier(),
    port,
  });

const makeMeter = async (
  meterId: string,
  opts: {
    gatewayPublicKey?: Uint8Array;
    register?: () => number;
    events?: MeterClientEvent[];
    url?: string;
    maxBacklog?: number;
  } = {},
) => {
  const keyFile = join(dir, `${meterId}.key.json`);
  const privateKey = testKey(meterId);
  if (!directory.meters.has(meterId)) {
    directory.register(meterId, privateKey);
    await writeMeterKeyFile(keyFile, {
      meterId,
      privateKey,
      gatewayPublicKey: opts.gatewayPublicKey ?? publicKeyOf(gatewayKey),
    });
  }
  const client = await MeterClient.create({
    url: opts.url ?? (gateway.url as string),
    keyFile,
    seqFile: join(dir, `${meterId}.seq`),
    readRegister: opts.register ?? (() => 1000),
    backoff: { baseMs: 20, maxMs: 200 },
    handshakeTimeoutMs: 300,
    onEvent: (e) => opts.events?.push(e),
    ...(opts.maxBacklog === undefined ? {} : { maxBacklog: opts.maxBacklog }),
  });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meters-'));
  directory = new MemoryDirectory();
  sink = new MemorySink();
  gateway = await startGateway();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

describe('meter client', () => {
  it('sends readings that are acked and keeps its seq across a restart', async () => {
    let wh = 500;
    const meter = await makeMeter('DEV-1', { register: () => (wh += 10) });
    meter.start();
    await meter.waitConnected();
    expect(await meter.sendReading()).toEqual({ seq: 1, result: 'ack' });
    expect(await meter.sendReading()).toEqual({ seq: 2, result: 'ack' });
    await meter.stop();

    const rebooted = await makeMeter('DEV-1', { register: () => (wh += 10) });
    expect(rebooted.lastSeq).toBe(2);
    rebooted.start();
    await rebooted.waitConnected();
    expect(await rebooted.sendReading()).toEqual({ seq: 3, result: 'ack' });
    expect(sink.storedFor('DEV-1').map((r) => [r.seq, r.registerWh])).toEqual([
      [1, 510],
      [2, 520],
      [3, 530],
    ]);
  });

  it('reports a storage refusal for its seq', async () => {
    let wh = 900;
    const meter = await makeMeter('DEV-2', { register: () => (wh -= 100) });
    meter.start();
    await meter.waitConnected();
    expect(await meter.sendReading()).toEqual({ seq: 1, result: 'ack' });
    expect(await meter.sendReading()).toEqual({
      seq: 2,
      result: 'rejected',
      code: 'REGISTER_BACKWARDS',
    });
  });

  it('answers a bill-run read request with a reading carrying the request id', async () => {
    const meter = await makeMeter('DEV-3');
    meter.start();
    await meter.waitConnected();
    await expect.poll(() => gateway.connectedMeters()).toContain('DEV-3');
    expect(gateway.sendReadRequest('DEV-3', 'req-42', 'run-2026-11')).toBe(true);
    await expect.poll(() => sink.storedFor('DEV-3').map((r) => r.requestId)).toEqual(['req-42']);
  });

  it('reconnects with backoff after the gateway restarts', async () => {
    const events: MeterClientEvent[] = [];
    const meter = await makeMeter('DEV-4', { events });
    meter.start();
    await meter.waitConnected();
    const port = Number(new URL(gateway.url as string).port);
    await gateway.close();
    await expect.poll(() => meter.connected).toBe(false);
    gateway = await startGateway(port);
    await meter.waitConnected();
    const drops = events.filter((e) => e.type === 'disconnected');
    expect(drops.length).toBeGreaterThanOrEqual(1);
    for (const d of drops)
      expect(d.type === 'disconnected' && d.retryInMs).toBeLessThanOrEqual(200);
    expect(await meter.sendReading()).toEqual({ seq: 1, result: 'ack' });
  });

  it('keeps readings taken while disconnected and resends them in one readings frame', async () => {
    const events: MeterClientEvent[] = [];
    let wh = 100;
    const meter = await makeMeter('DEV-7', { events, register: () => (wh += 5) });
    meter.start();
    await meter.waitConnected();
    expect(await meter.sendReading()).toEqual({ seq: 1, result: 'ack' });
    const port = Number(new URL(gateway.url as string).port);
    await gateway.close();
    await expect.poll(() => meter.connected).toBe(false);
    const outcomes = [meter.sendReading(), meter.sendReading(), meter.sendReading()];
    await expect.poll(() => meter.backlogSize).toBe(3);
    gateway = await startGateway(port);
    expect(await Promise.all(outcomes)).toEqual([2, 3, 4].map((seq) => ({ seq, result: 'ack' })));
    // Answered together: the gateway acks in `acks` frames only after a `readings` frame.
    expect(events.filter((e) => e.type === 'acks')).toEqual([{ type: 'acks', seqs: [2, 3, 4] }]);
    expect(meter.backlogSize).toBe(0);
    expect(sink.storedFor('DEV-7').map((r) => [r.seq, r.registerWh])).toEqual([
      [1, 105],
      [2, 110],
      [3, 115],
      [4, 120],
    ]);
  });

  it('settles its backlog as disconnected when it stops', async () => {
    const meter = await makeMeter('DEV-8');
    meter.start();
    await meter.waitConnected();
    const port = Number(new URL(gateway.url as string).port);
    await gateway.close();
    await expect.poll(() => meter.connected).toBe(false);
    const outcome = meter.sendReading();
    await expect.poll(() => meter.backlogSize).toBe(1);
    await meter.stop();
    expect(await outcome).toEqual({ seq: 1, result: 'disconnected' });
    gateway = await startGateway(port);
  });

  it('paces a backlog past the rate burst so every reading is stored, none refused', async () => {
    const events: MeterClientEvent[] = [];
    let wh = 0;
    const meter = await makeMeter('DEV-9', { events, register: () => (wh += 1) });
    meter.start();
    await meter.waitConnected();
    const port = Number(new URL(gateway.url as string).port);
    await gateway.close();
    await expect.poll(() => meter.connected).toBe(false);
    // 60 readings: sent at once they would pass the 40-reading burst and get RATE_LIMITED.
    const outcomes = Array.from({ length: 60 }, () => meter.sendReading());
    await expect.poll(() => meter.backlogSize).toBe(60);
    gateway = await startGateway(port);
    const settled = await Promise.all(outcomes);
    expect(settled.filter((o) => o.result !== 'ack')).toEqual([]);
    expect(sink.storedFor('DEV-9').map((r) => r.seq)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    // Never more than one full frame unanswered: acks come in frames of at most 16.
    const acked = events.flatMap((e) => (e.type === 'acks' ? [e.seqs.length] : []));
    expect(Math.max(...acked)).toBeLessThanOrEqual(16);
    expect(events.some((e) => e.type === 'rejected')).toBe(false);
  });

  it('drops the oldest reading once its backlog is full', async () => {
    const meter = await makeMeter('DEV-10', { maxBacklog: 2 });
    meter.start();
    await meter.waitConnected();
    const port = Number(new URL(gateway.url as string).port);
    await gateway.close();
    await expect.poll(() => meter.connected).toBe(false);
    const outcomes = [meter.sendReading(), meter.sendReading(), meter.sendReading()];
    expect(await outcomes[0]).toEqual({ seq: 1, result: 'dropped' });
    expect(meter.backlogSize).toBe(2);
    gateway = await startGateway(port);
    expect(await Promise.all(outcomes)).toEqual([
      { seq: 1, result: 'dropped' },
      { seq: 2, result: 'ack' },
      { seq: 3, result: 'ack' },
    ]);
    expect(sink.storedFor('DEV-10').map((r) => r.seq)).toEqual([2, 3]);
  });

  it('abandons a gateway that never says hello, and keeps retrying', async () => {
    const mute = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => mute.once('listening', resolve));
    const attempts: number[] = [];
    mute.on('connection', () => attempts.push(Date.now()));
    try {
      const events: MeterClientEvent[] = [];
      const meter = await makeMeter('DEV-6', {
        events,
        url: `ws://127.0.0.1:${(mute.address() as AddressInfo).port}`,
      });
      meter.start();
      await expect.poll(() => attempts.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      expect(events.filter((e) => e.type === 'disconnected').length).toBeGreaterThanOrEqual(1);
      expect(meter.connected).toBe(false);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.stop()));
      mute.clients.forEach((c) => c.terminate());
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('refuses a gateway whose hello is not signed by the pinned key', async () => {
    const events: MeterClientEvent[] = [];
    const meter = await makeMeter('DEV-5', {
      gatewayPublicKey: publicKeyOf(testKey('some other gateway')),
      events,
    });
    meter.start();
    await expect
      .poll(() => events.find((e) => e.type === 'protocol-error'))
      .toEqual({ type: 'protocol-error', code: 'BAD_GATEWAY_SIGNATURE' });
    expect(meter.connected).toBe(false);
    expect(sink.storedFor('DEV-5')).toEqual([]);
  });
});
