// A bill run end to end on real Postgres: meters answer and are billed, one
// misses once (flagged, then billed with the penalty for all units since its
// last bill), one misses twice (meter and property disabled).

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  billMeter,
  closeBillRun,
  recordMeterAnswer,
  requestMeterRead,
  startBillRun,
} from '../../src/commands/billing.ts';
import { receivableOf } from '../../src/commands/receivables.ts';
import { billStream, recomputeBill } from '../../src/domain/billing/index.ts';
import { tariffVersions } from '../../src/commands/tariffs.ts';
import { billRunStream } from '../../src/domain/billrun/index.ts';
import { meterBillingStream } from '../../src/domain/billing/meterbilling/index.ts';
import { meterDecider, meterStream } from '../../src/domain/meter/index.ts';
import { propertyStream } from '../../src/domain/property/index.ts';
import { balanceOf } from '../../src/domain/receivable/index.ts';
import {
  createBillingWorld,
  deadlineOf,
  meta,
  runMeter,
  type BillingWorld,
  type Fixture,
} from './billing-fixtures.ts';

let world: BillingWorld;
let deps: BillingWorld['deps'];
let superuser: string;
let customer: string;
let tenant: string;
let fixtures: Fixture[];
let good: Fixture, flaky: Fixture, dead: Fixture;
const deadlinePassed = deadlineOf;

beforeAll(async () => {
  world = await createBillingWorld();
  ({ deps, superuser, customer, tenant } = world);
  fixtures = [
    await world.installMeter(1),
    await world.installMeter(2),
    await world.installMeter(3),
  ];
  [good, flaky, dead] = fixtures as [Fixture, Fixture, Fixture];
});

afterAll(() => world?.close());

const read = (f: Fixture, registerWh: number, readAt: string) => world.read(f, registerWh, readAt);
const billOf = (f: Fixture, period: string) => world.billOf(f, period);
const propertyOf = (f: Fixture) => world.propertyOf(f);
const lastType = (stream: string) => world.lastType(stream);
const runInput = (runId: string, period: string) => ({
  runId,
  period,
  deadline: deadlinePassed(period),
  meters: fixtures.map(runMeter),
});

describe('bill runs on Postgres', () => {
  it('only lets an admin or superuser start a run', async () => {
    await expect(
      startBillRun(deps, runInput('run-x', '2026-01'), meta(customer)),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('January: two meters answer and are billed, one misses and its property is flagged', async () => {
    const runId = randomUUID();
    await startBillRun(deps, runInput(runId, '2026-01'), meta(superuser, '2026-02-01T00:00:00Z'));
    for (const f of [good, flaky]) {
      await requestMeterRead(deps, { runId, meterId: f.meterId }, meta('system:gateway'));
      const reading = await read(f, 100_000 * f.n, '2026-01-31T23:00:00Z');
      await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, ...reading },
        meta('system:gateway'),
      );
      // The gateway retrying the same answer is a no-op.
      const again = await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, ...reading },
        meta('system:gateway'),
      );
      expect(again.position).toBeNull();
    }
    const billed = await billMeter(deps, { runId, meterId: good.meterId }, meta('system:billrun'));
    expect(billed.outcome).toBe('billed');
    // 100 kWh at ₹5 in slab 1 + SGST 5% + fixed ₹50
    expect(await billOf(good, '2026-01')).toMatchObject({
      units: 100_000,
      totalPaise: 50_000 + 2_500 + 5_000,
      missedPeriods: 0,
      tenantAccountId: tenant,
      ownerAccountId: customer,
    });

    const closed = await closeBillRun(deps, { runId }, meta(superuser, deadlinePassed('2026-01')));
    expect(closed.missed).toEqual([
      expect.objectContaining({ meterId: dead.meterId, consecutiveMisses: 1, action: 'flagged' }),
    ]);
    expect(closed.progress).toEqual({
      total: 3,
      asked: 2,
      answered: 2,
      billed: 2,
      missed: 1,
      skipped: 0,
    });
    expect(await lastType(billRunStream(runId))).toBe('BillRunCompleted');
    expect(await propertyOf(dead)).toMatchObject({ status: 'approved', missedReading: { runId } });
    // Flaky's bill came from the close: 200 kWh telescopic = 100 × ₹5 + 100 × ₹8.
    expect((await billOf(flaky, '2026-01'))?.units).toBe(200_000);
    expect(balanceOf(await receivableOf(deps.store, good.propertyId))).toBe(57_500);
  });

  it('February: a first miss flags; the missed meter bills all units since its last bill with the penalty', async () => {
    const runId = randomUUID();
    await startBillRun(deps, runInput(runId, '2026-02'), meta(superuser, '2026-03-01T00:00:00Z'));
    for (const f of [good, dead]) {
      const reading = await read(f, 150_000 * f.n, '2026-02-28T23:00:00Z');
      await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, ...reading },
        meta('system:gateway'),
      );
      await billMeter(deps, { runId, meterId: f.meterId }, meta('system:billrun'));
    }
    const closed = await closeBillRun(deps, { runId }, meta(superuser, deadlinePassed('2026-02')));
    expect(closed.missed).toEqual([
      expect.objectContaining({ meterId: flaky.meterId, consecutiveMisses: 1, action: 'flagged' }),
    ]);

    const deadBill = await billOf(dead, '2026-02');
    // Two months of consumption since the meter's first reading (0 Wh): 450 kWh.
    expect(deadBill).toMatchObject({ units: 450_000, missedPeriods: 1 });
    expect(deadBill?.lines).toContainEqual(
      expect.objectContaining({ code: 'PENALTY', amountPaise: 25_000 }),
    );
    expect(await propertyOf(dead)).toMatchObject({ status: 'approved', missedReading: null });
    expect(await propertyOf(flaky)).toMatchObject({ status: 'approved', missedReading: { runId } });

    // Good's January bill is unpaid: it is brought forward as arrears, and
    // the receivable is charged only February's own charges.
    const goodBill = await billOf(good, '2026-02');
    expect(goodBill).toMatchObject({ units: 50_000, arrearsPaise: 57_500 });
    expect(goodBill!.chargesPaise).toBe(goodBill!.totalPaise - 57_500);
    expect(balanceOf(await receivableOf(deps.store, good.propertyId))).toBe(
      57_500 + goodBill!.chargesPaise,
    );
  });

  it('March: a second consecutive miss disables meter and property', async () => {
    const runId = randomUUID();
    await startBillRun(deps, runInput(runId, '2026-03'), meta(superuser, '2026-04-01T00:00:00Z'));
    for (const f of [good, dead]) {
      const reading = await read(f, 200_000 * f.n, '2026-03-31T23:00:00Z');
      await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, ...reading },
        meta('system:gateway'),
      );
    }
    const closed = await closeBillRun(deps, { runId }, meta(superuser, deadlinePassed('2026-03')));
    expect(closed.missed).toEqual([
      expect.objectContaining({ meterId: flaky.meterId, consecutiveMisses: 2, action: 'disabled' }),
    ]);
    expect(closed.progress).toMatchObject({ billed: 2, missed: 1 });
    expect((await propertyOf(flaky)).status).toBe('disabled');
    const meter = await world.fold(meterStream(flaky.meterId), meterDecider);
    expect(meter.status).toBe('disabled');

    // Closing again (a retried close) appends nothing to any stream it touches.
    // (Stream revisions, not the log head: the head trails other databases'
    // open transactions on a shared server.)
    const touched = [billRunStream(runId)].concat(
      ...fixtures.map((f) => [
        meterBillingStream(f.meterId),
        meterStream(f.meterId),
        propertyStream(f.propertyId),
        billStream(f.propertyId, '2026-03'),
      ]),
    );
    const revisions = () => Promise.all(touched.map((s) => deps.store.streamRevision(s)));
    const before = await revisions();
    await closeBillRun(deps, { runId }, meta(superuser, deadlinePassed('2026-03'), 'close-again'));
    expect(await revisions()).toEqual(before);
  });

  it('bills a property at most once per period, even from a second run', async () => {
    const runId = randomUUID();
    const period = '2026-03';
    await startBillRun(
      deps,
      { runId, period, deadline: '2026-04-30T00:00:00Z', meters: [good].map(runMeter) },
      meta(superuser, '2026-04-02T00:00:00Z'),
    );
    const reading = await read(good, 250_000, '2026-04-02T00:00:00Z');
    await recordMeterAnswer(
      deps,
      { runId, meterId: good.meterId, ...reading },
      meta('system:gateway'),
    );
    const first = await billOf(good, period);
    const [a, b] = await Promise.all([
      billMeter(deps, { runId, meterId: good.meterId }, meta('system:billrun')),
      billMeter(deps, { runId, meterId: good.meterId }, meta('system:billrun')),
    ]);
    expect(a.outcome === 'billed' && a.bill).toEqual(first);
    expect(b.outcome === 'billed' && b.bill).toEqual(first);
    expect(await deps.store.readStream(billStream(good.propertyId, period))).toHaveLength(1);
    expect(await lastType(billRunStream(runId))).toBe('BillRunCompleted');
  });

  it('every stored bill recomputes to the paisa from its event and tariff version', async () => {
    const versions = await tariffVersions(deps.store, 'residential');
    let checked = 0;
    for (const f of fixtures)
      for (const period of ['2026-01', '2026-02', '2026-03']) {
        const bill = await billOf(f, period);
        if (!bill) continue;
        const version = versions.find((v) => v.version === bill.tariffVersion)!;
        expect(recomputeBill(bill, version)).toEqual({ ok: true });
        checked++;
      }
    expect(checked).toBe(6);
  });
});
