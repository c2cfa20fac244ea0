// Pipelined readings on real Postgres. Over a real WebSocket gateway: a meter
// with eight readings un-acked gets them acked in seq order, stored in seq
// order, several in one append of its stream. In the group-commit sink: a
// reading whose commit failed keeps its place ahead of the meter's later
// readings, and one refused after its retry takes the later readings queued
// behind it down too, so nothing is ever stored ahead of a reading the meter
// must send again; a resend meeting its first copy in one batch is acked.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { meterStream } from '../../src/domain/meter/index.ts';
import type { EventStore, StreamAppend } from '../../src/eventstore/port.ts';
import { signHash } from '../../src/iot/crypto/ecdsa.ts';
import type { RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { StoreReadingSink } from '../../src/iot/ingest/store-sink.ts';
import { readingHash } from '../../src/iot/protocol/canonical.ts';
import type { SinkResult } from '../../src/iot/session/ports.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import { testKey } from './fixtures.ts';
import {
  identityOf,
  installMeter,
  readingOf,
  readingsIn,
  startTestGateway,
} from './ingest-world.ts';
import { WsMeter } from './ws-meter.ts';

let db: PostgresTestStore;
beforeAll(async () => {
  db = await createPostgresTestStore();
  for (const id of ['PIPE', 'RETRY', 'DOWN', 'TWICE']) await installMeter(db.store, id);
});
afterAll(() => db.close());

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition not reached in 5 s');
};

describe('a pipelining meter over WebSockets', () => {
  let gateway: RunningGateway;
  const appends: StreamAppend[][] = [];
  let meter: WsMeter | undefined;
  beforeAll(async () => {
    const recording = new Proxy(db.store, {
      get(target, prop, receiver) {
        if (prop !== 'appendMany') return Reflect.get(target, prop, receiver) as unknown;
        return (batch: StreamAppend[]) => (appends.push(batch), target.appendMany(batch));
      },
    });
    // A long flush interval, so readings arriving together meet in one group commit.
    gateway = await startTestGateway(recording, inlineVerifier(), { flushIntervalMs: 100 });
  });
  afterEach(() => meter?.close());
  afterAll(() => gateway.close());

  it('acks eight un-acked readings in seq order and stores them in order, several per append', async () => {
    meter = await WsMeter.connect(gateway.url!, identityOf('PIPE'));
    for (let seq = 1; seq <= 8; seq++)
      meter.send(meter.session.sealReading(readingOf('PIPE', seq)).frame);
    await meter.until((e) => e.type === 'ack' && e.seq === 8);
    expect(meter.events.filter((e) => e.type !== 'established')).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((seq) => ({ type: 'ack', seq })),
    );
    expect((await readingsIn(db.store, 'PIPE')).map((r) => r.seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    const perAppend = appends
      .flat()
      .filter((a) => a.stream === meterStream('PIPE'))
      .map((a) => a.events.length);
    expect(perAppend.reduce((n, k) => n + k, 0)).toBe(8);
    expect(Math.max(...perAppend)).toBeGreaterThan(1);
  });
});

describe('the group-commit sink keeps a meter in order when commits fail', () => {
  /** The store, except that call k of appendMany waits for gates[k] and the first `failures` throw. */
  const flakyStore = (store: EventStore, failures: number) => {
    const gates: { promise: Promise<void>; open: () => void }[] = [];
    let calls = 0;
    const gate = (k: number) => {
      while (gates.length <= k) {
        let open = () => {};
        const promise = new Promise<void>((resolve) => (open = resolve));
        gates.push({ promise, open });
      }
      return gates[k]!;
    };
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'appendMany') return Reflect.get(target, prop, receiver) as unknown;
        return async (batch: StreamAppend[]) => {
          const k = calls++;
          await gate(k).promise;
          if (k < failures) throw new Error('connection lost before commit');
          return target.appendMany(batch);
        };
      },
    });
    return { flaky, calls: () => calls, release: (k: number) => gate(k).open() };
  };
  const accept = (sink: StoreReadingSink, meterId: string, seq: number): Promise<SinkResult> => {
    const reading = readingOf(meterId, seq);
    return sink.accept(reading, signHash(readingHash(reading), testKey(meterId)));
  };

  it('retries a failed commit with the reading still ahead of later ones', async () => {
    const { flaky, calls, release } = flakyStore(db.store, 1);
    const sink = new StoreReadingSink({ store: flaky, gatewayId: 'gw-1', flushIntervalMs: 5 });
    release(1);
    const first = accept(sink, 'RETRY', 1);
    await until(() => calls() === 1);
    const second = accept(sink, 'RETRY', 2);
    await new Promise((r) => setTimeout(r, 30)); // seq 2 queues behind the busy meter
    release(0);
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    expect((await readingsIn(db.store, 'RETRY')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('acks a resend that meets its first copy in one group commit, storing it once', async () => {
    const sink = new StoreReadingSink({ store: db.store, gatewayId: 'gw-1', flushIntervalMs: 5 });
    // The meter reconnected and resent seq 1 while the first copy was still queued.
    const first = readingOf('TWICE', 1);
    const signature = signHash(readingHash(first), testKey('TWICE'));
    const results = await Promise.all([
      sink.accept(first, signature),
      sink.accept(first, signature),
      accept(sink, 'TWICE', 2),
    ]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect((await readingsIn(db.store, 'TWICE')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('refuses a reading whose retry failed too, and every later reading queued behind it', async () => {
    const { flaky, calls, release } = flakyStore(db.store, 2);
    const sink = new StoreReadingSink({ store: flaky, gatewayId: 'gw-1', flushIntervalMs: 5 });
    const first = accept(sink, 'DOWN', 1);
    await until(() => calls() === 1);
    const second = accept(sink, 'DOWN', 2);
    await new Promise((r) => setTimeout(r, 30));
    release(0); // fails: seq 1 goes back ahead of seq 2, both in the retry
    await until(() => calls() === 2);
    const third = accept(sink, 'DOWN', 3);
    await new Promise((r) => setTimeout(r, 30));
    release(1); // fails again: seq 1 is out of chances
    const unavailable = { ok: false, code: 'UNAVAILABLE' };
    expect(await Promise.all([first, second, third])).toEqual([
      unavailable,
      unavailable,
      unavailable,
    ]);
    expect(await readingsIn(db.store, 'DOWN')).toEqual([]);
    // The meter sends them again later, in order, and they are stored in order.
    release(2);
    release(3);
    expect(
      await Promise.all([
        accept(sink, 'DOWN', 1),
        accept(sink, 'DOWN', 2),
        accept(sink, 'DOWN', 3),
      ]),
    ).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect((await readingsIn(db.store, 'DOWN')).map((r) => r.seq)).toEqual([1, 2, 3]);
  });
});
