// The store-backed sink and directory behind a real gateway on 127.0.0.1 and
// real Postgres: readings stored once and acked only after their commit, each
// storage rejection with its code and nothing stored, idempotent resends, a
// conflicting writer, and sessions dropped when a meter is disabled.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordReading } from '../../src/commands/inventory.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import type { RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { readingEventId } from '../../src/iot/ingest/meter-states.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import { testKey } from './fixtures.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import {
  disableMeterNow,
  identityOf,
  installMeter,
  onMeter,
  readingOf,
  readingsIn,
  startTestGateway,
} from './ingest-world.ts';
import { WsMeter } from './ws-meter.ts';

let db: PostgresTestStore;
let gateway: RunningGateway;
let gate: Promise<void> | undefined;
const meters: WsMeter[] = [];

/** The store, except that group commits wait for `gate` (when set) before writing. */
const gatedStore = (store: EventStore): EventStore =>
  new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'appendMany') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<EventStore['appendMany']>) => {
        await gate;
        return target.appendMany(...args);
      };
    },
  });

const connect = async (meterId: string) => {
  const m = await WsMeter.connect(gateway.url!, identityOf(meterId));
  meters.push(m);
  return m;
};
const acked = (m: WsMeter, seq: number) =>
  m.until((e) => e.type === 'ack' && e.seq === seq).then(() => true);
const refusal = (m: WsMeter, seq: number) =>
  m
    .until((e) => e.type === 'rejected' && e.refSeq === seq)
    .then((e) => e.type === 'rejected' && e.code);

beforeAll(async () => {
  db = await createPostgresTestStore();
  for (const id of ['A', 'B', 'C', 'REPLAY', 'TAMPER', 'RESEND', 'RACE', 'GONE', 'REKEY'])
    await installMeter(db.store, id);
  await installMeter(db.store, 'LOOSE', { assigned: false });
  await installMeter(db.store, 'OFF');
  await disableMeterNow(db.store, 'OFF');
  gateway = await startTestGateway(gatedStore(db.store), inlineVerifier(), { flushIntervalMs: 5 });
});
afterEach(() => meters.splice(0).forEach((m) => m.close()));
afterAll(async () => {
  await gateway.close();
  await db.close();
});

describe('store-backed ingest', () => {
  it('stores readings of several meters once each and acks only after the commit', async () => {
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map(connect));
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    for (const [m, id] of [
      [a!, 'A'],
      [b!, 'B'],
      [c!, 'C'],
    ] as const)
      for (const seq of [1, 2, 3]) m.send(m.session.sealReading(readingOf(id, seq)).frame);
    await new Promise((r) => setTimeout(r, 300));
    expect(a!.events.filter((e) => e.type === 'ack')).toEqual([]);
    expect(await readingsIn(db.store, 'A')).toEqual([]);
    open();
    gate = undefined;
    for (const [m, id] of [
      [a!, 'A'],
      [b!, 'B'],
      [c!, 'C'],
    ] as const) {
      expect(await acked(m, 3)).toBe(true);
      const stored = await readingsIn(db.store, id);
      expect(stored.map((s) => s.seq)).toEqual([1, 2, 3]);
      expect(stored.map((s) => s.id)).toEqual([1, 2, 3].map((seq) => readingEventId(id, seq)));
    }
  });

  it('refuses a replayed seq with REPLAYED_SEQ and stores nothing for it', async () => {
    const m = await connect('REPLAY');
    m.send(m.session.sealReading(readingOf('REPLAY', 5)).frame);
    expect(await acked(m, 5)).toBe(true);
    m.send(m.session.sealReading(readingOf('REPLAY', 4, 9_999)).frame);
    expect(await refusal(m, 4)).toBe('REPLAYED_SEQ');
    m.send(m.session.sealReading(readingOf('REPLAY', 6)).frame);
    expect(await acked(m, 6)).toBe(true);
    expect((await readingsIn(db.store, 'REPLAY')).map((r) => r.seq)).toEqual([5, 6]);
  });

  it('stores a TamperAlarmRaised for a register going backwards and answers REGISTER_BACKWARDS', async () => {
    const m = await connect('TAMPER');
    m.send(m.session.sealReading(readingOf('TAMPER', 1, 5_000)).frame);
    expect(await acked(m, 1)).toBe(true);
    m.send(m.session.sealReading(readingOf('TAMPER', 2, 4_000)).frame);
    expect(await refusal(m, 2)).toBe('REGISTER_BACKWARDS');
    m.send(m.session.sealReading(readingOf('TAMPER', 3, 5_100)).frame);
    expect(await acked(m, 3)).toBe(true);
    expect(await readingsIn(db.store, 'TAMPER')).toMatchObject([
      { type: 'ReadingRecorded', seq: 1 },
      { type: 'TamperAlarmRaised', seq: 2 },
      { type: 'ReadingRecorded', seq: 3 },
    ]);
  });

  it('acks a resent reading that is already stored without storing it again', async () => {
    const m = await connect('RESEND');
    const reading = readingOf('RESEND', 1);
    m.send(m.session.sealReading(reading).frame);
    expect(await acked(m, 1)).toBe(true);
    // Same reading, same (deterministic) signature, in a fresh frame: a lost ack's resend.
    m.send(m.session.sealReading(reading).frame);
    await m.until(
      (e) =>
        e.type === 'ack' && e.seq === 1 && m.events.filter((x) => x.type === 'ack').length === 2,
    );
    // A different reading under a used seq is a replay, not a resend.
    m.send(m.session.sealReading({ ...reading, registerWh: reading.registerWh + 1 }).frame);
    expect(await refusal(m, 1)).toBe('REPLAYED_SEQ');
    expect(await readingsIn(db.store, 'RESEND')).toHaveLength(1);
  });

  it('reloads a meter another writer appended to and decides again on the fresh stream', async () => {
    const m = await connect('RACE');
    m.send(m.session.sealReading(readingOf('RACE', 1)).frame);
    expect(await acked(m, 1)).toBe(true);
    // Another gateway stores seq 10 behind this gateway's cached revision.
    await recordReading(
      { store: db.store },
      {
        meterId: 'RACE',
        seq: 10,
        registerWh: 1_000,
        readAt: new Date().toISOString(),
        signature: 'ab'.repeat(64),
        runId: null,
        requestId: null,
        receivedAt: new Date().toISOString(),
      },
      { now: new Date().toISOString(), commandId: 'other-gateway-10', actor: 'system:gw-2' },
    );
    m.send(m.session.sealReading(readingOf('RACE', 2, 200)).frame);
    expect(await refusal(m, 2)).toBe('REPLAYED_SEQ');
    m.send(m.session.sealReading(readingOf('RACE', 11, 1_100)).frame);
    expect(await acked(m, 11)).toBe(true);
    expect((await readingsIn(db.store, 'RACE')).map((r) => r.seq)).toEqual([1, 10, 11]);
  });

  it('refuses unknown, unassigned and disabled meters at auth', async () => {
    const unknown = await connect('NOBODY');
    expect(unknown.events[0]).toMatchObject({ type: 'rejected', code: 'UNKNOWN_METER' });
    const off = await connect('OFF');
    expect(off.events[0]).toMatchObject({ type: 'rejected', code: 'METER_DISABLED' });
    const loose = await connect('LOOSE');
    expect(loose.events[0]).toMatchObject({ type: 'rejected', code: 'METER_DISABLED' });
    expect(await readingsIn(db.store, 'OFF')).toEqual([]);
  });

  it('drops the session of a meter disabled while connected, and refuses it afterwards', async () => {
    const m = await connect('GONE');
    m.send(m.session.sealReading(readingOf('GONE', 1)).frame);
    expect(await acked(m, 1)).toBe(true);
    expect(gateway.server.connectedMeters()).toContain('GONE');
    await disableMeterNow(db.store, 'GONE');
    const closed = await m.closed;
    expect(closed.reason).toBe('METER_DISABLED');
    // The server forgets the session when the close handshake completes on its side.
    await expect.poll(() => gateway.server.connectedMeters()).not.toContain('GONE');
    const again = await connect('GONE');
    expect(again.events[0]).toMatchObject({ type: 'rejected', code: 'METER_DISABLED' });
  });

  it('drops a session on key rotation but keeps the session made with the new key', async () => {
    const old = await connect('REKEY');
    const newKey = testKey('REKEY second key');
    await onMeter(db.store, 'REKEY', {
      type: 'RotateMeterKey',
      data: { publicKey: bytesToHex(publicKeyOf(newKey)) },
      metadata: { now: new Date().toISOString(), commandId: 'rekey-1', actor: 'system:test' },
    });
    expect((await old.closed).reason).toBe('METER_DISABLED');
    const refused = await connect('REKEY');
    expect(refused.events[0]).toMatchObject({ type: 'rejected', code: 'BAD_SIGNATURE' });
    const fresh = await WsMeter.connect(gateway.url!, {
      ...identityOf('REKEY'),
      privateKey: newKey,
    });
    meters.push(fresh);
    fresh.send(fresh.session.sealReading(readingOf('REKEY', 1)).frame);
    expect(await acked(fresh, 1)).toBe(true);
    // Followers may deliver the rotation late; the newer session must survive it.
    await new Promise((r) => setTimeout(r, 700));
    expect(gateway.server.connectedMeters()).toContain('REKEY');
  });
});
