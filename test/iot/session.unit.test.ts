// Gateway and meter sessions wired back to back in memory (no sockets): the
// handshake reproduces the test vectors, readings are acked only once stored,
// and reading-level rejections keep the session while others end it.

import { describe, expect, it } from 'vitest';
import { malleate, signHash } from '../../src/iot/crypto/ecdsa.ts';
import { fromHex, toHex } from '../../src/iot/protocol/bytes.ts';
import { encodeReading, readingHash, type Reading } from '../../src/iot/protocol/canonical.ts';
import type { ProtocolErrorCode } from '../../src/iot/protocol/errors.ts';
import { GatewaySession } from '../../src/iot/session/gateway-session.ts';
import { MeterSession, signEntry, type MeterEvent } from '../../src/iot/session/meter-session.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import type { ReadingVerifier } from '../../src/iot/verify/types.ts';
import { MemoryDirectory, MemorySink, testKey } from './fixtures.ts';
import { generateVectors } from './vectors.ts';

const v = generateVectors();
const NOW = v.inputs.serverTime;

const setup = (
  opts: {
    register?: boolean;
    enabled?: boolean;
    meterKey?: Uint8Array;
    verifier?: ReadingVerifier;
    readingWindow?: number;
  } = {},
) => {
  const directory = new MemoryDirectory();
  const sink = new MemorySink();
  const meterPriv = fromHex(v.inputs.meterPrivateKey);
  if (opts.register !== false) directory.register(v.inputs.meterId, meterPriv, opts.enabled);
  const toMeter: Uint8Array[] = [];
  const closed: ProtocolErrorCode[] = [];
  const gateway = new GatewaySession(
    {
      gatewayId: v.inputs.gatewayId,
      gatewayPrivateKey: fromHex(v.inputs.gatewayPrivateKey),
      directory,
      sink,
      verifier: opts.verifier ?? inlineVerifier('noble'),
      clock: () => NOW,
      readingWindow: opts.readingWindow ?? 1,
      ephemeralPrivateKey: fromHex(v.inputs.gatewayEphemeralPrivateKey),
      nonce: fromHex(v.inputs.nonce),
    },
    { send: (f) => toMeter.push(f), close: (code) => closed.push(code) },
  );
  const meter = new MeterSession(
    {
      meterId: v.inputs.meterId,
      privateKey: opts.meterKey ?? meterPriv,
      gatewayPublicKey: fromHex(v.gatewayPublicKey),
    },
    fromHex(v.inputs.meterEphemeralPrivateKey),
  );
  /** Delivers queued gateway frames to the meter, returning the meter's events. */
  const drain = (): MeterEvent[] => {
    const events: MeterEvent[] = [];
    const frames = toMeter.splice(0);
    for (const f of frames) {
      const step = meter.receive(f);
      if (step.event) events.push(step.event);
    }
    return events;
  };
  return { gateway, meter, sink, directory, toMeter, closed, drain };
};

const handshake = async (s: ReturnType<typeof setup>) => {
  s.gateway.start();
  const hello = s.toMeter.shift() as Uint8Array;
  const auth = s.meter.receive(hello).send[0] as Uint8Array;
  await s.gateway.handle(auth);
  return { hello, auth, events: s.drain() };
};

const reading = (seq: number, registerWh: number): Reading => ({
  meterId: v.inputs.meterId,
  seq,
  registerWh,
  readAt: NOW,
});

describe('gateway and meter sessions', () => {
  it('reproduce the vector hello, auth and auth-ok frames byte for byte', async () => {
    const s = setup();
    s.gateway.start();
    const hello = s.toMeter[0] as Uint8Array;
    expect(toHex(hello)).toBe(v.helloFrame);
    expect(toHex(s.meter.receive(s.toMeter.shift() as Uint8Array).send[0] as Uint8Array)).toBe(
      v.authFrame,
    );
    await s.gateway.handle(fromHex(v.authFrame));
    expect(toHex(s.toMeter[0] as Uint8Array)).toBe(v.authOkFrame);
    expect(s.drain()).toEqual([{ type: 'established', serverTime: NOW }]);
    expect(s.gateway.meterId).toBe(v.inputs.meterId);
  });

  it('acks a verified reading after the sink stored it', async () => {
    const s = setup();
    await handshake(s);
    const { frame, signature } = s.meter.sealReading(reading(1, 100));
    await s.gateway.handle(frame);
    expect(s.drain()).toEqual([{ type: 'ack', seq: 1 }]);
    expect(s.sink.stored).toEqual([{ reading: reading(1, 100), signature }]);
  });

  it('answers ping with pong in both directions', async () => {
    const s = setup();
    await handshake(s);
    await s.gateway.handle(s.meter.seal({ type: 'ping', nonce: 9 }));
    expect(s.drain()).toEqual([{ type: 'pong', nonce: 9 }]);
    s.gateway.send({ type: 'ping', nonce: 4 });
    const pong = s.meter.receive(s.toMeter.shift() as Uint8Array).send[0] as Uint8Array;
    await s.gateway.handle(pong);
    expect(s.closed).toEqual([]);
  });

  it('rejects a high-S reading signature but keeps the session', async () => {
    const s = setup();
    await handshake(s);
    const r = reading(1, 100);
    const signature = signHash(readingHash(r), fromHex(v.inputs.meterPrivateKey));
    const canonical = encodeReading(r);
    await s.gateway.handle(
      s.meter.seal({ type: 'reading', canonical, signature: malleate(signature) }),
    );
    expect(s.drain()).toEqual([
      { type: 'rejected', code: 'BAD_SIGNATURE', refSeq: 1, message: expect.any(String) },
    ]);
    await s.gateway.handle(s.meter.sealReading(r).frame);
    expect(s.drain()).toEqual([{ type: 'ack', seq: 1 }]);
    expect(s.closed).toEqual([]);
    expect(s.sink.stored).toEqual([{ reading: r, signature }]);
  });

  it('passes storage rejections through with the reading seq', async () => {
    const s = setup();
    await handshake(s);
    await s.gateway.handle(s.meter.sealReading(reading(5, 100)).frame);
    await s.gateway.handle(s.meter.sealReading(reading(5, 100)).frame);
    await s.gateway.handle(s.meter.sealReading(reading(6, 99)).frame);
    const codes = s.drain().map((e) => (e.type === 'rejected' ? e.code : e.type));
    expect(codes).toEqual(['ack', 'REPLAYED_SEQ', 'REGISTER_BACKWARDS']);
    expect(s.sink.storedFor(v.inputs.meterId).map((r) => r.seq)).toEqual([5]);
  });

  it('refuses readings outside the clock skew', async () => {
    const s = setup();
    await handshake(s);
    await s.gateway.handle(s.meter.sealReading({ ...reading(1, 1), readAt: NOW - 301_000 }).frame);
    expect(s.drain()).toMatchObject([{ type: 'rejected', code: 'CLOCK_SKEW', refSeq: 1 }]);
    expect(s.sink.stored).toEqual([]);
  });

  it('closes on a reading for another meter', async () => {
    const s = setup();
    await handshake(s);
    await s.gateway.handle(s.meter.sealReading({ ...reading(1, 1), meterId: 'OTHER' }).frame);
    expect(s.closed).toEqual(['METER_MISMATCH']);
    expect(s.sink.stored).toEqual([]);
  });

  it('rate-limits a burst beyond the bucket without closing', async () => {
    const s = setup();
    await handshake(s);
    for (let seq = 1; seq <= 45; seq++)
      await s.gateway.handle(s.meter.sealReading(reading(seq, seq)).frame);
    const events = s.drain();
    expect(events.filter((e) => e.type === 'ack')).toHaveLength(40);
    expect(events.filter((e) => e.type === 'rejected' && e.code === 'RATE_LIMITED')).toHaveLength(
      5,
    );
    expect(s.closed).toEqual([]);
  });

  it('answers UNAVAILABLE, keeping the session, when storage fails', async () => {
    const s = setup();
    await handshake(s);
    s.sink.accept = async () => {
      throw new Error('database down');
    };
    await s.gateway.handle(s.meter.sealReading(reading(1, 1)).frame);
    expect(s.drain()).toMatchObject([{ type: 'rejected', code: 'UNAVAILABLE', refSeq: 1 }]);
    expect(s.closed).toEqual([]);
  });

  it('answers UNAVAILABLE when the verifier fails, storing nothing', async () => {
    let broken = false;
    const flaky: ReadingVerifier = {
      kind: 'flaky',
      verify: (item) =>
        broken ? Promise.reject(new Error('pool down')) : inlineVerifier().verify(item),
      close: async () => {},
    };
    const s = setup({ verifier: flaky });
    await handshake(s);
    broken = true;
    await s.gateway.handle(s.meter.sealReading(reading(1, 1)).frame);
    expect(s.drain()).toMatchObject([{ type: 'rejected', code: 'UNAVAILABLE', refSeq: 1 }]);
    expect(s.sink.stored).toEqual([]);
  });

  describe('readings frames', () => {
    const entry = (r: Reading) => signEntry(r, fromHex(v.inputs.meterPrivateKey));
    const kinds = (events: MeterEvent[]) =>
      events.map((e) =>
        e.type === 'acks'
          ? `acks ${e.seqs.join(',')}`
          : e.type === 'ack'
            ? `ack ${e.seq}`
            : e.type === 'rejected'
              ? `${e.code} ${e.refSeq}`
              : e.type,
      );

    it('acks a batch in one acks frame after storing each reading', async () => {
      const s = setup({ readingWindow: 8 });
      await handshake(s);
      const batch = [reading(1, 10), reading(2, 20), reading(3, 30)];
      s.sink.holding = true;
      await s.gateway.handle(s.meter.sealReadings(batch.map(entry)));
      await expect.poll(() => s.sink.heldCount).toBe(3);
      expect(s.toMeter).toEqual([]);
      s.sink.release();
      await s.gateway.settled();
      expect(s.toMeter).toHaveLength(1);
      expect(kinds(s.drain())).toEqual(['acks 1,2,3']);
      expect(s.sink.stored.map((x) => x.reading)).toEqual(batch);
    });

    it('answers mixed outcomes in arrival order, an error in its place', async () => {
      const s = setup({ readingWindow: 8 });
      await handshake(s);
      await s.gateway.handle(s.meter.sealReading(reading(1, 10)).frame);
      await s.gateway.settled();
      const forged = { ...entry(reading(3, 30)), signature: entry(reading(9, 9)).signature };
      const batch = [
        entry(reading(2, 20)),
        forged,
        entry(reading(4, 40)),
        entry(reading(4, 41)),
        entry({ ...reading(5, 50), readAt: NOW + 301_000 }),
        entry(reading(6, 60)),
        entry(reading(7, 70)),
      ];
      s.sink.holding = true;
      await s.gateway.handle(s.meter.sealReadings(batch));
      // 2, 4, 4 again, 6 and 7 reach storage; 3 and 5 are refused before it.
      await expect.poll(() => s.sink.heldCount).toBe(5);
      s.sink.release();
      await s.gateway.settled();
      expect(kinds(s.drain())).toEqual([
        'ack 1',
        'acks 2',
        'BAD_SIGNATURE 3',
        'acks 4',
        'REPLAYED_SEQ 4',
        'CLOCK_SKEW 5',
        'acks 6,7',
      ]);
      expect(s.sink.stored.map((x) => x.reading.seq)).toEqual([1, 2, 4, 6, 7]);
      expect(s.closed).toEqual([]);
    });

    it('closes on a batch naming another meter anywhere, storing none of it', async () => {
      const s = setup({ readingWindow: 8 });
      await handshake(s);
      const batch = [reading(1, 10), reading(2, 20), { ...reading(3, 30), meterId: 'OTHER' }];
      await s.gateway.handle(s.meter.sealReadings(batch.map(entry)));
      await s.gateway.settled();
      expect(s.closed).toEqual(['METER_MISMATCH']);
      expect(kinds(s.drain())).toEqual(['METER_MISMATCH 0']);
      expect(s.sink.stored).toEqual([]);
    });

    it('closes on a batch with an undecodable reading, storing none of it', async () => {
      const s = setup({ readingWindow: 8 });
      await handshake(s);
      const good = entry(reading(1, 10));
      const truncated = { ...entry(reading(2, 20)), canonical: good.canonical.subarray(0, 30) };
      await s.gateway.handle(s.meter.sealReadings([good, truncated]));
      await s.gateway.settled();
      expect(s.closed).toEqual(['MALFORMED_FRAME']);
      expect(s.sink.stored).toEqual([]);
    });

    it('counts each reading of a batch against the rate limit', async () => {
      const s = setup({ readingWindow: 8 });
      await handshake(s);
      for (let from = 1; from <= 45; from += 15) {
        const seqs = Array.from({ length: 15 }, (_, i) => from + i);
        await s.gateway.handle(s.meter.sealReadings(seqs.map((q) => entry(reading(q, q)))));
      }
      await s.gateway.settled();
      const events = s.drain();
      const acked = events.flatMap((e) => (e.type === 'acks' ? e.seqs : []));
      const limited = events.flatMap((e) =>
        e.type === 'rejected' && e.code === 'RATE_LIMITED' ? [e.refSeq] : [],
      );
      expect(acked).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(limited).toEqual([41, 42, 43, 44, 45]);
      expect(s.closed).toEqual([]);
    });

    it('acks single readings in ack frames until the meter sends a batch', async () => {
      const s = setup();
      await handshake(s);
      await s.gateway.handle(s.meter.sealReading(reading(1, 10)).frame);
      await s.gateway.handle(s.meter.sealReadings([entry(reading(2, 20))]));
      await s.gateway.handle(s.meter.sealReading(reading(3, 30)).frame);
      await s.gateway.settled();
      expect(kinds(s.drain())).toEqual(['ack 1', 'acks 2', 'acks 3']);
    });

    it('takes a batch larger than the window whole; the next frame waits for room', async () => {
      const s = setup({ readingWindow: 4 });
      await handshake(s);
      s.sink.delayMs = 20;
      const batch = Array.from({ length: 10 }, (_, i) => entry(reading(i + 1, i + 1)));
      const waiting = s.gateway.handle(s.meter.sealReadings(batch));
      expect(waiting).toBeInstanceOf(Promise);
      await waiting;
      // Woken only once fewer than 4 readings were in progress: at least 7 answered.
      expect(s.sink.stored.length).toBeGreaterThanOrEqual(7);
      await s.gateway.settled();
      expect(s.sink.stored).toHaveLength(10);
    });
  });

  it.each([
    ['unknown meter', { register: false }, 'UNKNOWN_METER'],
    ['disabled meter', { enabled: false }, 'METER_DISABLED'],
    ['wrong meter key', { meterKey: testKey('impostor') }, 'BAD_SIGNATURE'],
  ] as const)('ends the handshake for a %s', async (_name, opts, code) => {
    const s = setup(opts);
    const { events } = await handshake(s);
    expect(events).toMatchObject([{ type: 'rejected', code }]);
    expect(s.closed).toEqual([code]);
    expect(s.gateway.status).toBe('closed');
  });

  it('meter refuses a hello signed by a gateway key it did not pin', () => {
    const s = setup();
    const meter = new MeterSession({
      meterId: 'M',
      privateKey: testKey('m'),
      gatewayPublicKey: fromHex(v.meterPublicKey),
    });
    s.gateway.start();
    expect(() => meter.receive(s.toMeter[0] as Uint8Array)).toThrow(/BAD_GATEWAY_SIGNATURE/);
  });
});
