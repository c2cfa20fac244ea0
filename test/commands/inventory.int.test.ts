// Inventory services on real Postgres: staff-only inventory, the serial race
// (two registrations claiming one serial at once), idempotent retries, and the
// reading rules end to end through the meter stream.

import { describe, expect, it } from 'vitest';
import {
  disableMeter,
  loadMeter,
  recordReading,
  registerGateway,
  registerMeter,
  rotateMeterKey,
} from '../../src/commands/inventory.ts';
import { lastReading, meterSerialStream, meterStream } from '../../src/domain/meter/index.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { KEY_A, KEY_B, NOW, PUNE, codeOf, createHarness, meta } from './properties-support.ts';

const h = openedBeforeAll(createHarness);

describe('gateways and meters', () => {
  it('only staff register inventory', async () => {
    const customer = await h.register('customer');
    const gateway = { gatewayId: crypto.randomUUID(), name: 'GW', ...PUNE, publicKey: KEY_B };
    expect(await codeOf(registerGateway(h.deps, gateway, meta(customer)))).toBe('NOT_AUTHORISED');
    const meter = {
      meterId: crypto.randomUUID(),
      serial: 'SN-STAFF',
      publicKey: KEY_A,
      kind: 'single-phase' as const,
    };
    expect(await codeOf(registerMeter(h.deps, meter, meta(customer)))).toBe('NOT_AUTHORISED');
    expect(await h.deps.store.readStream(meterSerialStream('SN-STAFF'))).toEqual([]);
  });

  it('two registrations racing for one serial: exactly one wins', async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const outcomes = await Promise.all(
      ids.map((meterId) =>
        codeOf(
          registerMeter(
            h.deps,
            { meterId, serial: 'sn-race-1', publicKey: KEY_A, kind: 'three-phase' },
            meta(h.admin),
          ),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'no error')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'SERIAL_TAKEN')).toHaveLength(2);
    const [reservation] = await h.deps.store.readStream(meterSerialStream('SN-RACE-1'));
    const winner = ids[outcomes.indexOf('no error')]!;
    expect(reservation?.data).toMatchObject({ serial: 'SN-RACE-1', meterId: winner });
    for (const loser of ids.filter((id) => id !== winner)) {
      expect(await h.deps.store.readStream(meterStream(loser))).toEqual([]);
    }
  });

  it('a retried registration appends nothing new', async () => {
    const meterId = crypto.randomUUID();
    const input = { meterId, serial: 'SN-RETRY', publicKey: KEY_A, kind: 'single-phase' as const };
    const metadata = meta(h.admin);
    await registerMeter(h.deps, input, metadata);
    await registerMeter(h.deps, input, metadata);
    expect(await h.deps.store.readStream(meterStream(meterId))).toHaveLength(1);
    expect(await h.deps.store.readStream(meterSerialStream('SN-RETRY'))).toHaveLength(1);
  });

  it('a bad key is refused before the serial is reserved', async () => {
    const input = {
      meterId: crypto.randomUUID(),
      serial: 'SN-BADKEY',
      publicKey: '02abc',
      kind: 'single-phase' as const,
    };
    expect(await codeOf(registerMeter(h.deps, input, meta(h.admin)))).toBe('INVALID_PUBLIC_KEY');
    expect(await h.deps.store.readStream(meterSerialStream('SN-BADKEY'))).toEqual([]);
  });

  it('key rotation keeps the history', async () => {
    const meterId = await h.meter();
    await rotateMeterKey(
      h.deps,
      { meterId, publicKey: KEY_B },
      meta(h.admin, '2026-03-01T00:00:00.000Z'),
    );
    const state = await loadMeter(h.deps.store, meterId);
    expect(state.status !== 'none' && state.keys).toEqual([
      { publicKey: KEY_A, validFrom: NOW },
      { publicKey: KEY_B, validFrom: '2026-03-01T00:00:00.000Z' },
    ]);
  });
});

describe('readings', () => {
  const reading = (seq: number, registerWh: number) => ({
    seq,
    registerWh,
    readAt: NOW,
    signature: 'cd'.repeat(64),
    runId: null,
    requestId: null,
    receivedAt: NOW,
  });
  const gatewayActor = 'system:gateway';

  it('records, refuses a replay, raises a tamper alarm, and is idempotent by command id', async () => {
    const owner = await h.register('customer');
    const { meterId } = await h.approvedProperty(owner);
    const first = meta(gatewayActor);
    const recorded = await recordReading(h.deps, { meterId, ...reading(1, 1_000) }, first);
    expect(recorded.outcome).toBe('recorded');
    expect(await recordReading(h.deps, { meterId, ...reading(1, 1_000) }, first)).toEqual(recorded);

    expect(
      await codeOf(recordReading(h.deps, { meterId, ...reading(1, 1_200) }, meta(gatewayActor))),
    ).toBe('READING_REPLAYED');
    const alarm = await recordReading(h.deps, { meterId, ...reading(2, 900) }, meta(gatewayActor));
    expect(alarm.outcome).toBe('tamper-alarm');
    await recordReading(h.deps, { meterId, ...reading(3, 1_500) }, meta(gatewayActor));

    const events = await h.deps.store.readStream(meterStream(meterId));
    expect(events.map((e) => e.type).slice(-3)).toEqual([
      'ReadingRecorded',
      'TamperAlarmRaised',
      'ReadingRecorded',
    ]);
    expect(events.find((e) => e.type === 'ReadingRecorded')?.id).toBe(recorded.eventId);
    expect(lastReading(await loadMeter(h.deps.store, meterId))).toMatchObject({
      seq: 3,
      registerWh: 1_500,
    });
  });

  it('an unassigned meter and a disabled meter record nothing', async () => {
    const loose = await h.meter();
    expect(
      await codeOf(recordReading(h.deps, { meterId: loose, ...reading(1, 1) }, meta(gatewayActor))),
    ).toBe('METER_NOT_ASSIGNED');
    const owner = await h.register('customer');
    const { meterId } = await h.approvedProperty(owner);
    await disableMeter(h.deps, { meterId, reason: 'stolen' }, meta(h.admin));
    expect(
      await codeOf(recordReading(h.deps, { meterId, ...reading(1, 1) }, meta(gatewayActor))),
    ).toBe('METER_DISABLED');
  });
});
