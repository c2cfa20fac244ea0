// The gateway over real WebSockets on 127.0.0.1 (random port), verifying in
// the worker pool: a full session, then every rejection with its error code,
// nothing stored by it, and the gateway still serving a healthy meter after.

import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { malleate, publicKeyOf, signHash } from '../../src/iot/crypto/ecdsa.ts';
import { startGatewayServer, type GatewayServer } from '../../src/iot/gateway/server.ts';
import { encodeReading, readingHash, type Reading } from '../../src/iot/protocol/canonical.ts';
import { MeterSession, type MeterIdentity } from '../../src/iot/session/meter-session.ts';
import { VerifyPool } from '../../src/iot/verify/pool.ts';
import { MemoryDirectory, MemorySink, testKey } from './fixtures.ts';
import { WsMeter } from './ws-meter.ts';

const gatewayKey = testKey('gateway');
const identity = (meterId: string, key = testKey(meterId)): MeterIdentity => ({
  meterId,
  privateKey: key,
  gatewayPublicKey: publicKeyOf(gatewayKey),
});
const reading = (meterId: string, seq: number, registerWh = seq * 10): Reading => ({
  meterId,
  seq,
  registerWh,
  readAt: Date.now(),
});
const flip = (frame: Uint8Array, at: number) => {
  const out = frame.slice();
  out[at] = (out[at] as number) ^ 0x01;
  return out;
};

let pool: VerifyPool;
let directory: MemoryDirectory;
let sink: MemorySink;
let gateway: GatewayServer;
let url: string;
const meters: WsMeter[] = [];
let healthy = 0;

const connect = async (id: MeterIdentity, opts?: Parameters<typeof WsMeter.connect>[2]) => {
  const m = await WsMeter.connect(url, id, opts);
  meters.push(m);
  return m;
};

/** A registered meter can still complete a session and get a reading stored. */
const expectStillServing = async () => {
  const id = identity(`HEALTHY-${++healthy}`);
  directory.register(id.meterId, id.privateKey);
  const m = await connect(id);
  m.send(m.session.sealReading(reading(id.meterId, 1)).frame);
  await m.until((e) => e.type === 'ack');
  expect(sink.storedFor(id.meterId)).toHaveLength(1);
};

const rejection = (m: WsMeter) => m.until((e) => e.type === 'rejected');

beforeAll(async () => {
  pool = await VerifyPool.start({ size: 1 });
});
afterAll(() => pool.close());

describe('gateway over WebSockets', () => {
  beforeAll(async () => {
    directory = new MemoryDirectory();
    sink = new MemorySink();
    gateway = await startGatewayServer({
      gatewayId: 'gw-1',
      gatewayPrivateKey: gatewayKey,
      directory,
      sink,
      verifier: pool,
    });
    url = gateway.url as string;
    for (const id of ['M1', 'M2', 'M3']) directory.register(id, testKey(id));
    directory.register('OFF', testKey('OFF'), false);
  });
  afterEach(() => meters.splice(0).forEach((m) => m.close()));
  afterAll(() => gateway.close());

  it('runs a full session: handshake, ack after storage, read request answered', async () => {
    sink.delayMs = 50;
    const m = await connect(identity('M1'));
    expect(m.events).toMatchObject([{ type: 'established' }]);
    await expect.poll(() => gateway.connectedMeters()).toContain('M1');
    m.send(m.session.sealReading(reading('M1', 2)).frame);
    await m.until((e) => e.type === 'ack' && e.seq === 2);
    expect(sink.storedFor('M1').map((r) => r.seq)).toEqual([2]);
    sink.delayMs = 0;

    expect(gateway.sendReadRequest('M1', 'req-1', 'run-1')).toBe(true);
    const read = await m.until((e) => e.type === 'read');
    expect(read).toEqual({ type: 'read', requestId: 'req-1', runId: 'run-1' });
    m.send(m.session.sealReading({ ...reading('M1', 3), requestId: 'req-1' }).frame);
    await m.until((e) => e.type === 'ack' && e.seq === 3);
    expect(sink.storedFor('M1').at(-1)?.requestId).toBe('req-1');
    expect(gateway.sendReadRequest('NOBODY', 'r', 'run')).toBe(false);

    m.close();
    await m.closed;
    await expect.poll(() => gateway.connectedMeters()).not.toContain('M1');
  });

  it.each([
    ['a wrong key', identity('M2', testKey('stolen')), 'BAD_SIGNATURE'],
    ['an unknown meter', identity('GHOST'), 'UNKNOWN_METER'],
    ['a disabled meter', identity('OFF'), 'METER_DISABLED'],
  ] as const)('refuses the handshake of %s', async (_name, id, code) => {
    const m = await connect(id);
    expect(await rejection(m)).toMatchObject({ code });
    expect(await m.closed).toEqual({ code: 1008, reason: code });
    expect(sink.storedFor(id.meterId)).toEqual([]);
    await expectStillServing();
  });

  it('refuses an auth whose ephemeral key had a bit flipped in transit', async () => {
    // auth = version, type, lp(meterId "M2"), then the 33-byte key: flip inside it.
    const m = await connect(identity('M2'), { tamperAuth: (auth) => flip(auth, 2 + 2 + 2 + 10) });
    expect(await rejection(m)).toMatchObject({ code: 'BAD_SIGNATURE' });
    expect((await m.closed).reason).toBe('BAD_SIGNATURE');
    await expectStillServing();
  });

  it('drops a disabled meter’s open session', async () => {
    const m = await connect(identity('M3'));
    await expect.poll(() => gateway.connectedMeters()).toContain('M3');
    expect(gateway.disconnectMeter('M3', 'METER_DISABLED')).toBe(true);
    expect(await rejection(m)).toMatchObject({ code: 'METER_DISABLED' });
    expect((await m.closed).reason).toBe('METER_DISABLED');
  });

  it('closes on a replayed frame and stores the reading once', async () => {
    const m = await connect(identity('M2'));
    const { frame } = m.session.sealReading(reading('M2', 1));
    m.send(frame);
    await m.until((e) => e.type === 'ack');
    m.send(frame);
    expect(await rejection(m)).toMatchObject({ code: 'REPLAYED_FRAME' });
    expect((await m.closed).reason).toBe('REPLAYED_FRAME');
    expect(sink.storedFor('M2').map((r) => r.seq)).toEqual([1]);
    await expectStillServing();
  });

  it('closes on a reordered frame without storing either reading', async () => {
    const m = await connect(identity('M3'));
    const first = m.session.sealReading(reading('M3', 1)).frame;
    const second = m.session.sealReading(reading('M3', 2)).frame;
    m.send(second);
    m.send(first);
    expect(await rejection(m)).toMatchObject({ code: 'FRAME_OUT_OF_ORDER' });
    await m.closed;
    expect(sink.storedFor('M3')).toEqual([]);
    await expectStillServing();
  });

  it.each([
    ['ciphertext', 14],
    ['tag', -1],
  ] as const)('closes on a flipped bit in the %s', async (_part, offset) => {
    const id = identity(`FLIP-${offset}`);
    directory.register(id.meterId, id.privateKey);
    const m = await connect(id);
    const frame = m.session.sealReading(reading(id.meterId, 1)).frame;
    m.send(flip(frame, offset < 0 ? frame.length + offset : offset));
    expect(await rejection(m)).toMatchObject({ code: 'DECRYPT_FAILED' });
    expect((await m.closed).reason).toBe('DECRYPT_FAILED');
    expect(sink.storedFor(id.meterId)).toEqual([]);
    await expectStillServing();
  });

  it('refuses a high-S signature but keeps the session', async () => {
    const id = identity('HIGH-S');
    directory.register(id.meterId, id.privateKey);
    const m = await connect(id);
    const r = reading(id.meterId, 1);
    const sig = malleate(signHash(readingHash(r), id.privateKey));
    m.send(m.session.seal({ type: 'reading', canonical: encodeReading(r), signature: sig }));
    expect(await rejection(m)).toMatchObject({ code: 'BAD_SIGNATURE', refSeq: 1 });
    expect(sink.storedFor(id.meterId)).toEqual([]);
    m.send(m.session.sealReading(r).frame);
    await m.until((e) => e.type === 'ack');
    expect(sink.storedFor(id.meterId)).toHaveLength(1);
  });

  it('refuses a replayed seq but keeps the session', async () => {
    const id = identity('SEQ');
    directory.register(id.meterId, id.privateKey);
    const m = await connect(id);
    m.send(m.session.sealReading(reading(id.meterId, 7)).frame);
    await m.until((e) => e.type === 'ack');
    m.send(m.session.sealReading(reading(id.meterId, 7)).frame);
    expect(await rejection(m)).toMatchObject({ code: 'REPLAYED_SEQ', refSeq: 7 });
    m.send(m.session.sealReading(reading(id.meterId, 8)).frame);
    await m.until((e) => e.type === 'ack' && e.seq === 8);
  });

  it('closes on an oversized frame, and drops one above the socket cap', async () => {
    const m = await connect(identity('M1'));
    m.send(new Uint8Array(5000).fill(1));
    expect(await rejection(m)).toMatchObject({ code: 'FRAME_TOO_LARGE' });
    expect((await m.closed).reason).toBe('FRAME_TOO_LARGE');
    const huge = await connect(identity('M1'));
    huge.send(new Uint8Array(70_000));
    expect((await huge.closed).code).toBe(1009);
    await expectStillServing();
  });

  it.each([
    ['a text frame', 'hello', 'MALFORMED_FRAME'],
    ['an unknown frame type', Uint8Array.of(1, 0x77, 0, 0), 'MALFORMED_FRAME'],
    ['a truncated auth', Uint8Array.of(1, 0x02, 0, 9, 1), 'MALFORMED_FRAME'],
    ['another protocol version', Uint8Array.of(9, 0x02), 'UNSUPPORTED_VERSION'],
    [
      'a sealed frame before auth',
      Uint8Array.of(1, 0x11, ...new Uint8Array(30)),
      'UNEXPECTED_FRAME',
    ],
  ] as const)('closes on garbage: %s', async (_name, garbage, code) => {
    const m = await connect(identity('M1'), { handshake: false });
    await new Promise((r) => setTimeout(r, 20));
    m.send(typeof garbage === 'string' ? (garbage as unknown as Uint8Array) : garbage);
    expect(await rejection(m)).toMatchObject({ code });
    expect((await m.closed).reason).toBe(code);
    await expectStillServing();
  });
  it('closes an older session when the same meter connects again', async () => {
    const first = await connect(identity('M2'));
    await expect.poll(() => gateway.connectedMeters()).toContain('M2');
    const second = await connect(identity('M2'));
    expect(await first.closed).toEqual({ code: 1000, reason: 'superseded' });
    second.send(second.session.sealReading(reading('M2', 100, 10_000)).frame);
    await second.until((e) => e.type === 'ack');
    expect(gateway.connectedMeters()).toContain('M2');
  });

  it('drops a meter that floods frames faster than storage answers', async () => {
    const id = identity('FLOOD');
    directory.register(id.meterId, id.privateKey);
    const m = await connect(id);
    sink.delayMs = 300;
    try {
      for (let seq = 1; seq <= 100; seq++)
        m.send(m.session.sealReading(reading(id.meterId, seq)).frame);
      expect(await m.closed).toEqual({ code: 1008, reason: 'RATE_LIMITED' });
    } finally {
      sink.delayMs = 0;
    }
    await expectStillServing();
  });

  it('closes with UNAVAILABLE when the meter directory fails during the handshake', async () => {
    const lookup = directory.lookup.bind(directory);
    directory.lookup = async (meterId) => {
      if (meterId === 'M3') throw new Error('directory down');
      return lookup(meterId);
    };
    try {
      const m = await connect(identity('M3'));
      expect(await rejection(m)).toMatchObject({ code: 'UNAVAILABLE' });
      expect((await m.closed).reason).toBe('UNAVAILABLE');
      await expectStillServing();
    } finally {
      directory.lookup = lookup;
    }
  });

  it('closes quietly when the meter aborts the handshake', async () => {
    const m = await connect(identity('M1'), { handshake: false });
    await new Promise((r) => setTimeout(r, 20));
    // A meter that refused our hello has no keys yet, so its error frame is plain.
    m.send(new MeterSession(identity('M1')).abort('BAD_GATEWAY_SIGNATURE', 'not my gateway'));
    expect(await m.closed).toEqual({ code: 1008, reason: 'BAD_GATEWAY_SIGNATURE' });
    expect(m.events).toEqual([]);
  });
});

describe('gateway heartbeat', () => {
  it('drops a meter whose connection went silent', async () => {
    const quietDirectory = new MemoryDirectory();
    quietDirectory.register('QUIET', testKey('QUIET'));
    quietDirectory.register('LIVELY', testKey('LIVELY'));
    const gw = await startGatewayServer({
      gatewayId: 'gw-heartbeat',
      gatewayPrivateKey: gatewayKey,
      directory: quietDirectory,
      sink: new MemorySink(),
      verifier: pool,
      heartbeatMs: 100,
    });
    try {
      const quiet = await WsMeter.connect(gw.url as string, identity('QUIET'));
      const lively = await WsMeter.connect(gw.url as string, identity('LIVELY'));
      await expect.poll(() => gw.connectedMeters().sort()).toEqual(['LIVELY', 'QUIET']);
      // Stop reading the socket, as a meter that lost power would: no more pongs.
      quiet.ws.pause();
      await expect.poll(() => gw.connectedMeters(), { timeout: 3000 }).toEqual(['LIVELY']);
      await new Promise((r) => setTimeout(r, 300));
      expect(gw.connectedMeters()).toEqual(['LIVELY']);
      quiet.ws.terminate();
      lively.close();
    } finally {
      await gw.close();
    }
  });
});

describe('gateway handshake deadline', () => {
  it('closes a meter that does not authenticate in time with HANDSHAKE_TIMEOUT', async () => {
    const slowDirectory = new MemoryDirectory();
    const slowSink = new MemorySink();
    const gw = await startGatewayServer({
      gatewayId: 'gw-slow',
      gatewayPrivateKey: gatewayKey,
      directory: slowDirectory,
      sink: slowSink,
      verifier: pool,
      handshakeTimeoutMs: 300,
    });
    try {
      const ws = new WebSocket(gw.url as string);
      const frames: Buffer[] = [];
      ws.on('message', (d: Buffer) => frames.push(d));
      const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      expect(closed).toEqual({ code: 1008, reason: 'HANDSHAKE_TIMEOUT' });
      expect(frames.map((f) => f[1])).toEqual([0x01, 0x0f]);
      slowDirectory.register('QUICK', testKey('QUICK'));
      const quick = await WsMeter.connect(gw.url as string, identity('QUICK'));
      expect(quick.events).toMatchObject([{ type: 'established' }]);
      quick.close();
    } finally {
      await gw.close();
    }
  });
});
