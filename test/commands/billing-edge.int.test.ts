// The edges of bill runs and tariffs on real Postgres: who may do what, and
// meters that cannot be billed (no tariff, inactive property, a reading the
// calculation refuses) being skipped with a reason so the run still completes.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  billMeter,
  closeBillRun,
  recordMeterAnswer,
  startBillRun,
} from '../../src/commands/billing.ts';
import { handleCommand } from '../../src/commands/handle-command.ts';
import {
  publishTariffVersion,
  tariffInForceOn,
  tariffVersions,
} from '../../src/commands/tariffs.ts';
import { billRunDecider, billRunProgress, billRunStream } from '../../src/domain/billrun/index.ts';
import {
  createBillingWorld,
  deadlineOf,
  meta,
  runMeter,
  tariff,
  type BillingWorld,
  type Fixture,
} from './billing-fixtures.ts';

let world: BillingWorld;

beforeAll(async () => {
  world = await createBillingWorld();
});

afterAll(() => world?.close());

describe('tariff services on Postgres', () => {
  it('lets only a superuser publish a version', async () => {
    const v2 = { ...tariff, version: 2, effectiveFrom: '2026-03-01' };
    for (const actor of [world.admin, world.customer, randomUUID()])
      await expect(
        publishTariffVersion(world.deps, { kind: 'residential', terms: v2 }, meta(actor)),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await publishTariffVersion(
      world.deps,
      { kind: 'residential', terms: v2 },
      meta(world.superuser),
    );
    expect(await tariffVersions(world.store, 'residential')).toHaveLength(2);
    expect((await tariffInForceOn(world.store, 'residential', '2026-02-28'))?.version).toBe(1);
    expect((await tariffInForceOn(world.store, 'residential', '2026-03-01'))?.version).toBe(2);
    expect(await tariffInForceOn(world.store, 'commercial', '2026-03-01')).toBeNull();
  });

  it('rejects a version that does not increase', async () => {
    const stale = { ...tariff, version: 2, effectiveFrom: '2027-01-01' };
    await expect(
      publishTariffVersion(
        world.deps,
        { kind: 'residential', terms: stale },
        meta(world.superuser),
      ),
    ).rejects.toMatchObject({ code: 'VERSION_NOT_INCREASING' });
  });
});

describe('bill run edges on Postgres', () => {
  it('refuses runs from customers, meters paired with the wrong property, and answers that are not readings', async () => {
    const f = await world.installMeter(10);
    const runId = randomUUID();
    const input = {
      runId,
      period: '2026-01',
      deadline: deadlineOf('2026-01'),
      meters: [runMeter(f)],
    };
    await expect(startBillRun(world.deps, input, meta(world.customer))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const other = await world.installMeter(15);
    const swapped = [{ meterId: other.meterId, propertyId: f.propertyId }];
    await expect(
      startBillRun(world.deps, { ...input, meters: swapped }, meta(world.admin)),
    ).rejects.toMatchObject({ code: 'METER_NOT_ON_PROPERTY' });
    const unknown = [{ meterId: f.meterId, propertyId: randomUUID() }];
    await expect(
      startBillRun(world.deps, { ...input, meters: unknown }, meta(world.admin)),
    ).rejects.toMatchObject({ code: 'PROPERTY_NOT_FOUND' });
    await startBillRun(world.deps, input, meta(world.admin));
    await expect(
      recordMeterAnswer(
        world.deps,
        { runId, meterId: f.meterId, readingEventId: randomUUID(), readingRevision: 0 },
        meta('system:gateway'),
      ),
    ).rejects.toMatchObject({ code: 'READING_NOT_FOUND' });
    // A real reading named with the wrong revision is not found either.
    const reading = await world.read(f, 5_000, '2026-01-10T00:00:00Z');
    const misplaced = { ...reading, readingRevision: reading.readingRevision - 1 };
    await expect(
      recordMeterAnswer(
        world.deps,
        { runId, meterId: f.meterId, ...misplaced },
        meta('system:gateway'),
      ),
    ).rejects.toMatchObject({ code: 'READING_NOT_FOUND' });
    await expect(
      closeBillRun(world.deps, { runId }, meta(world.customer, deadlineOf('2026-01'))),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      closeBillRun(world.deps, { runId }, meta('system:scheduler', '2026-01-20T00:00:00Z')),
    ).rejects.toMatchObject({ code: 'DEADLINE_NOT_REACHED' });
    const closed = await closeBillRun(
      world.deps,
      { runId },
      meta('system:scheduler', deadlineOf('2026-01')),
    );
    expect(closed.missed).toEqual([
      expect.objectContaining({ meterId: f.meterId, action: 'flagged' }),
    ]);
  });

  it('skips meters it cannot bill, with the reason, and still completes the run', async () => {
    const noTariff = await world.installMeter(11);
    const inactive = await world.installMeter(12);
    const goneSilent = await world.installMeter(14);
    const period = '2025-11'; // before the tariff's effectiveFrom (2025-12-01)
    const runId = randomUUID();
    const all = [noTariff, inactive, goneSilent];
    await startBillRun(
      world.deps,
      { runId, period, deadline: '2026-01-10T00:00:00Z', meters: all.map(runMeter) },
      meta(world.superuser, '2026-01-01T00:00:00Z'),
    );
    const answer = async (f: Fixture, registerWh: number, readAt: string) => {
      const reading = await world.read(f, registerWh, readAt);
      await recordMeterAnswer(
        world.deps,
        { runId, meterId: f.meterId, ...reading },
        meta('system:gateway', '2026-01-02T00:00:00Z'),
      );
    };
    await answer(noTariff, 10_000, '2026-01-01T00:00:00Z');
    await answer(inactive, 10_000, '2026-01-01T00:00:00Z');
    for (const f of [inactive, goneSilent])
      await world.onProperty(f, {
        type: 'DeactivateProperty',
        data: {},
        metadata: meta(world.customer),
      });

    const skipped = await billMeter(
      world.deps,
      { runId, meterId: noTariff.meterId },
      meta('system:billrun'),
    );
    expect(skipped).toMatchObject({
      outcome: 'skipped',
      reason: 'no residential tariff in force on 2025-11-30',
    });

    const closed = await closeBillRun(
      world.deps,
      { runId },
      meta(world.admin, '2026-01-10T00:00:00Z'),
    );
    expect(closed.missed).toEqual([
      expect.objectContaining({
        meterId: goneSilent.meterId,
        consecutiveMisses: 1,
        action: 'none',
        note: expect.stringContaining('PROPERTY_DEACTIVATED'),
      }),
    ]);
    const run = await world.fold(billRunStream(runId), billRunDecider);
    const progress = billRunProgress(run);
    expect(progress).toMatchObject({ total: 3, answered: 2, billed: 0, skipped: 2, missed: 1 });
    if (run.status === 'none') throw new Error('run not found');
    expect(run.meters[inactive.meterId]?.skipReason).toBe('property is deactivated');
    expect(await world.lastType(billRunStream(runId))).toBe('BillRunCompleted');
    expect(await world.billOf(noTariff, period)).toBeNull();
  });

  it('skips a reading the bill calculation refuses (a meter clock that went backwards)', async () => {
    const clockBack = await world.installMeter(13);
    const runId = randomUUID();
    const period = '2026-01';
    await startBillRun(
      world.deps,
      { runId, period, deadline: deadlineOf(period), meters: [runMeter(clockBack)] },
      meta(world.superuser, '2026-02-01T00:00:00Z'),
    );
    // Later seq and register than the installation reading, but an earlier time.
    const reading = await world.read(clockBack, 10_000, '2025-12-30T00:00:00Z');
    await recordMeterAnswer(
      world.deps,
      { runId, meterId: clockBack.meterId, ...reading },
      meta('system:gateway', '2026-02-01T00:00:00Z'),
    );
    const outcome = await billMeter(
      world.deps,
      { runId, meterId: clockBack.meterId },
      meta('system:billrun'),
    );
    expect(outcome).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/^cannot bill: READINGS_OUT_OF_ORDER/),
    });
    expect(await world.billOf(clockBack, period)).toBeNull();
    // Retrying gives the same answer and records nothing new.
    const again = await billMeter(
      world.deps,
      { runId, meterId: clockBack.meterId },
      meta('system:billrun'),
    );
    expect(again).toEqual({ ...outcome, position: null });
    expect(await world.lastType(billRunStream(runId))).toBe('BillRunCompleted');
  });

  it('skips an answer that does not point at a reading, so a close still completes', async () => {
    const f = await world.installMeter(16);
    const runId = randomUUID();
    const period = '2026-01';
    await startBillRun(
      world.deps,
      { runId, period, deadline: deadlineOf(period), meters: [runMeter(f)] },
      meta(world.superuser, '2026-02-01T00:00:00Z'),
    );
    // A gateway writing the run directly, with a revision that is not the reading's.
    const reading = await world.read(f, 20_000, '2026-01-31T00:00:00Z');
    await handleCommand(world.store, billRunStream(runId), billRunDecider, {
      type: 'RecordMeterAnswer',
      data: { meterId: f.meterId, ...reading, readingRevision: 0 },
      metadata: meta('system:gateway', '2026-02-01T01:00:00Z'),
    });
    const closed = await closeBillRun(
      world.deps,
      { runId },
      meta('system:gateway', deadlineOf(period)),
    );
    expect(closed.progress).toMatchObject({ total: 1, skipped: 1 });
    const run = await world.fold(billRunStream(runId), billRunDecider);
    if (run.status === 'none') throw new Error('run not found');
    expect(run.status).toBe('completed');
    expect(run.meters[f.meterId]?.skipReason).toMatch(/is not a reading of meter/);
  });
});
