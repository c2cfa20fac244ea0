// A gateway session pipelining readings (readingWindow > 1), back to back with
// a meter session in memory: `handle` returns before earlier readings are
// stored, yet the sink receives readings in arrival order even when their
// verifications finish out of order, answers go out in seq order whatever
// order storage finishes in, a refusal in the middle neither reorders nor
// blocks the rest, the window bounds what is in progress, and readings still
// verifying when the session closes never reach the sink.

import { describe, expect, it } from 'vitest';
import { signHash } from '../../src/iot/crypto/ecdsa.ts';
import { fromHex } from '../../src/iot/protocol/bytes.ts';
import { encodeReading, readingHash, type Reading } from '../../src/iot/protocol/canonical.ts';
import { GatewaySession } from '../../src/iot/session/gateway-session.ts';
import { MeterSession, type MeterEvent } from '../../src/iot/session/meter-session.ts';
import type { ReadingSink, SinkResult } from '../../src/iot/session/ports.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import type { ReadingVerifier } from '../../src/iot/verify/types.ts';
import { MemoryDirectory } from './fixtures.ts';
import { generateVectors } from './vectors.ts';

const v = generateVectors();
const NOW = v.inputs.serverTime;
const METER = v.inputs.meterId;

/** A sink that records call order and resolves each reading only when the test says. */
class ControlledSink implements ReadingSink {
  readonly calls: number[] = [];
  private readonly pending = new Map<number, (r: SinkResult) => void>();

  accept(reading: Reading): Promise<SinkResult> {
    this.calls.push(reading.seq);
    return new Promise((resolve) => this.pending.set(reading.seq, resolve));
  }

  settle(seq: number, result: SinkResult = { ok: true }): void {
    const resolve = this.pending.get(seq);
    if (!resolve) throw new Error(`seq ${seq} is not waiting in the sink`);
    this.pending.delete(seq);
    resolve(result);
  }
}

/** Verifies correctly; once armed, each answer waits until the test releases that reading. */
class ControlledVerifier implements ReadingVerifier {
  readonly kind = 'controlled';
  private readonly inner = inlineVerifier('noble');
  private readonly gates = new Map<string, () => void>();
  /** Off during the handshake (the auth signature goes through at once). */
  armed = false;

  verify(item: Parameters<ReadingVerifier['verify']>[0]): Promise<boolean> {
    if (!this.armed) return this.inner.verify(item);
    const key = Buffer.from(item.hash).toString('hex');
    return new Promise<void>((resolve) => this.gates.set(key, resolve)).then(() =>
      this.inner.verify(item),
    );
  }

  release(r: Reading): void {
    const key = Buffer.from(readingHash(r)).toString('hex');
    const open = this.gates.get(key);
    if (!open) throw new Error(`no verification waiting for seq ${r.seq}`);
    open();
  }

  async close(): Promise<void> {}
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 5));

const reading = (seq: number): Reading => ({
  meterId: METER,
  seq,
  registerWh: seq * 10,
  readAt: NOW,
});

async function setup(opts: { window: number; verifier?: ReadingVerifier }) {
  const directory = new MemoryDirectory();
  directory.register(METER, fromHex(v.inputs.meterPrivateKey));
  const sink = new ControlledSink();
  const toMeter: Uint8Array[] = [];
  const closed: string[] = [];
  const gateway = new GatewaySession(
    {
      gatewayId: v.inputs.gatewayId,
      gatewayPrivateKey: fromHex(v.inputs.gatewayPrivateKey),
      directory,
      sink,
      verifier: opts.verifier ?? inlineVerifier('noble'),
      readingWindow: opts.window,
      clock: () => NOW,
    },
    { send: (f) => toMeter.push(f), close: (code) => closed.push(code) },
  );
  const meter = new MeterSession({
    meterId: METER,
    privateKey: fromHex(v.inputs.meterPrivateKey),
    gatewayPublicKey: fromHex(v.gatewayPublicKey),
  });
  const answers = (): MeterEvent[] =>
    toMeter.splice(0).flatMap((f) => {
      const event = meter.receive(f).event;
      return event ? [event] : [];
    });
  gateway.start();
  await gateway.handle(meter.receive(toMeter.shift()!).send[0]!);
  expect(answers()).toMatchObject([{ type: 'established' }]);
  return { gateway, meter, sink, closed, answers };
}

const codes = (events: MeterEvent[]) =>
  events.map((e) =>
    e.type === 'ack' ? `ack ${e.seq}` : e.type === 'rejected' ? `${e.code} ${e.refSeq}` : e.type,
  );

describe('pipelined readings in one gateway session', () => {
  it('takes the next frame before earlier readings are stored, and acks in seq order', async () => {
    const s = await setup({ window: 8 });
    for (let seq = 1; seq <= 4; seq++)
      await s.gateway.handle(s.meter.sealReading(reading(seq)).frame);
    await flush();
    expect(s.sink.calls).toEqual([1, 2, 3, 4]);
    expect(s.answers()).toEqual([]);
    // Storage finishes out of order: later seqs wait for the earlier ones' answers.
    s.sink.settle(3);
    s.sink.settle(2);
    await flush();
    expect(s.answers()).toEqual([]);
    s.sink.settle(1);
    await flush();
    expect(codes(s.answers())).toEqual(['ack 1', 'ack 2', 'ack 3']);
    s.sink.settle(4);
    await s.gateway.settled();
    expect(codes(s.answers())).toEqual(['ack 4']);
  });

  it('hands readings to the sink in arrival order even when later verifications finish first', async () => {
    const verifier = new ControlledVerifier();
    const s = await setup({ window: 8, verifier });
    verifier.armed = true;
    for (let seq = 1; seq <= 3; seq++)
      await s.gateway.handle(s.meter.sealReading(reading(seq)).frame);
    verifier.release(reading(3));
    verifier.release(reading(2));
    await flush();
    expect(s.sink.calls).toEqual([]);
    verifier.release(reading(1));
    await flush();
    expect(s.sink.calls).toEqual([1, 2, 3]);
    [1, 2, 3].forEach((seq) => s.sink.settle(seq));
    await s.gateway.settled();
    expect(codes(s.answers())).toEqual(['ack 1', 'ack 2', 'ack 3']);
  });

  it('answers a refusal in the middle in its place, and still stores what follows', async () => {
    const s = await setup({ window: 8 });
    const bad = reading(2);
    const badSignature = signHash(
      readingHash({ ...bad, registerWh: 1 }),
      fromHex(v.inputs.meterPrivateKey),
    );
    await s.gateway.handle(s.meter.sealReading(reading(1)).frame);
    await s.gateway.handle(
      s.meter.seal({ type: 'reading', canonical: encodeReading(bad), signature: badSignature }),
    );
    await s.gateway.handle(s.meter.sealReading(reading(3)).frame);
    await s.gateway.handle(s.meter.sealReading(reading(4)).frame);
    await flush();
    // The bad signature never reaches storage; the sink still sees 1, 3, 4 in order.
    expect(s.sink.calls).toEqual([1, 3, 4]);
    s.sink.settle(4);
    s.sink.settle(3, { ok: false, code: 'REPLAYED_SEQ' });
    await flush();
    expect(s.answers()).toEqual([]);
    s.sink.settle(1);
    await s.gateway.settled();
    expect(codes(s.answers())).toEqual(['ack 1', 'BAD_SIGNATURE 2', 'REPLAYED_SEQ 3', 'ack 4']);
    expect(s.closed).toEqual([]);
  });

  it('takes a reading with room in the window without a promise to wait on', async () => {
    const s = await setup({ window: 2 });
    expect(s.gateway.handle(s.meter.sealReading(reading(1)).frame)).toBeUndefined();
    await flush();
    expect(s.sink.calls).toEqual([1]);
  });

  it('holds the next frame while the window is full', async () => {
    const s = await setup({ window: 2 });
    await s.gateway.handle(s.meter.sealReading(reading(1)).frame);
    let thirdTaken = false;
    const second = s.gateway.handle(s.meter.sealReading(reading(2)).frame);
    // The window is full: handle returns the wait (a frame that need not wait returns none).
    expect(second).toBeInstanceOf(Promise);
    const third = second!.then(() => s.gateway.handle(s.meter.sealReading(reading(3)).frame));
    void third.then(() => (thirdTaken = true));
    await flush();
    expect(s.sink.calls).toEqual([1, 2]);
    expect(thirdTaken).toBe(false);
    s.sink.settle(1);
    await flush();
    expect(s.sink.calls).toEqual([1, 2, 3]);
    expect(codes(s.answers())).toEqual(['ack 1']);
  });

  it('with a window of 1 answers each reading before handle returns (no pipelining)', async () => {
    const s = await setup({ window: 1 });
    let returned = false;
    const handled = s.gateway.handle(s.meter.sealReading(reading(1)).frame);
    expect(handled).toBeInstanceOf(Promise);
    void handled!.then(() => (returned = true));
    await flush();
    expect(returned).toBe(false);
    s.sink.settle(1);
    await handled;
    expect(codes(s.answers())).toEqual(['ack 1']);
  });

  it('never hands readings still verifying to the sink once the session has closed', async () => {
    const verifier = new ControlledVerifier();
    const s = await setup({ window: 8, verifier });
    verifier.armed = true;
    for (let seq = 1; seq <= 3; seq++)
      await s.gateway.handle(s.meter.sealReading(reading(seq)).frame);
    verifier.release(reading(1));
    await flush();
    expect(s.sink.calls).toEqual([1]);
    s.gateway.fail('METER_DISABLED', 'meter disabled', 0);
    verifier.release(reading(2));
    verifier.release(reading(3));
    s.sink.settle(1);
    await s.gateway.settled();
    expect(s.sink.calls).toEqual([1]);
    expect(s.closed).toEqual(['METER_DISABLED']);
  });
});
