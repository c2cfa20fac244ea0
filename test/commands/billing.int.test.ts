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
  storeBillingPorts,
  type BillingDeps,
} from '../../src/commands/billing.ts';
import { handleCommand } from '../../src/commands/handle-command.ts';
import { receivableOf } from '../../src/commands/receivables.ts';
import { publishTariffVersion } from '../../src/commands/tariffs.ts';
import { billDecider, billStream, type IssuedBill } from '../../src/domain/billing/index.ts';
import { billRunStream } from '../../src/domain/billrun/index.ts';
import { meterDecider, meterStream } from '../../src/domain/meter/index.ts';
import { propertyDecider, propertyStream } from '../../src/domain/property/index.ts';
import { balanceOf } from '../../src/domain/receivable/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import type { TariffVersion } from '../../src/domain/tariff/index.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

let testStore: PostgresTestStore;
let deps: BillingDeps;
const superuser = randomUUID();
const customer = randomUUID();
const tenant = randomUUID();
const fixtures = [1, 2, 3].map((n) => ({
  n,
  meterId: randomUUID(),
  propertyId: randomUUID(),
}));
const [good, flaky, dead] = fixtures as [Fixture, Fixture, Fixture];
type Fixture = (typeof fixtures)[number];
const seqs = new Map<string, number>();

beforeAll(async () => {
  testStore = await createPostgresTestStore();
  deps = { store: testStore.store, ports: storeBillingPorts(testStore.store) };
  await registerAccount(superuser, 'superuser');
  await registerAccount(customer, 'customer');
  await publishTariffVersion(
    deps,
    { kind: 'residential', terms: tariff },
    meta(superuser, '2025-12-01T00:00:00Z'),
  );
  for (const f of fixtures) await installMeter(f);
});

afterAll(() => testStore?.close());

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
      const readingEventId = await read(f, 100_000 * f.n, '2026-01-31T23:00:00Z');
      await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, readingEventId },
        meta('system:gateway'),
      );
      // The gateway retrying the same answer is a no-op.
      const again = await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, readingEventId },
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
      const readingEventId = await read(f, 150_000 * f.n, '2026-02-28T23:00:00Z');
      await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, readingEventId },
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
      const readingEventId = await read(f, 200_000 * f.n, '2026-03-31T23:00:00Z');
      await recordMeterAnswer(
        deps,
        { runId, meterId: f.meterId, readingEventId },
        meta('system:gateway'),
      );
    }
    const closed = await closeBillRun(deps, { runId }, meta(superuser, deadlinePassed('2026-03')));
    expect(closed.missed).toEqual([
      expect.objectContaining({ meterId: flaky.meterId, consecutiveMisses: 2, action: 'disabled' }),
    ]);
    expect(closed.progress).toMatchObject({ billed: 2, missed: 1 });
    expect((await propertyOf(flaky)).status).toBe('disabled');
    const meter = await fold(meterStream(flaky.meterId), meterDecider);
    expect(meter.status).toBe('disabled');

    // Closing again (a retried close) changes nothing.
    const before = await deps.store.headPosition();
    await closeBillRun(deps, { runId }, meta(superuser, deadlinePassed('2026-03'), 'close-again'));
    expect(await deps.store.headPosition()).toBe(before);
  });

  it('bills a property at most once per period, even from a second run', async () => {
    const runId = randomUUID();
    const period = '2026-03';
    await startBillRun(
      deps,
      { runId, period, deadline: '2026-04-30T00:00:00Z', meters: [good].map(runMeter) },
      meta(superuser, '2026-04-02T00:00:00Z'),
    );
    const readingEventId = await read(good, 250_000, '2026-04-02T00:00:00Z');
    await recordMeterAnswer(
      deps,
      { runId, meterId: good.meterId, readingEventId },
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
});

const tariff: TariffVersion = {
  version: 1,
  effectiveFrom: '2025-12-01',
  mode: 'telescopic',
  slabs: [
    { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 },
    { fromWh: 100_000, toWh: 300_000, ratePaisePerKwh: 800 },
    { fromWh: 300_000, toWh: null, ratePaisePerKwh: 1200 },
  ],
  fixedChargePaise: 5_000,
  taxes: [{ name: 'SGST', basisPoints: 500, base: 'energy' }],
  miscCharges: [],
  lateFeePaise: 10_000,
  missedReadingPenaltyPaise: 25_000,
  dueDays: 15,
};

function meta(
  actor: string,
  now = '2026-01-15T00:00:00Z',
  commandId: string = randomUUID(),
): CommandMetadata {
  return { actor, now: new Date(now).toISOString(), commandId };
}

const runMeter = (f: Fixture) => ({ meterId: f.meterId, propertyId: f.propertyId });
const runInput = (runId: string, period: string) => ({
  runId,
  period,
  deadline: deadlinePassed(period),
  meters: fixtures.map(runMeter),
});
// Deadlines at 06:00 on the 2nd of the next month.
function deadlinePassed(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 2, 6)).toISOString();
}

async function fold<E, S>(stream: string, decider: { evolve(s: S, e: E): S; initialState: S }) {
  const events = await deps.store.readStream(stream);
  return events.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState);
}

async function billOf(f: Fixture, period: string): Promise<IssuedBill | null> {
  const state = await fold(billStream(f.propertyId, period), billDecider);
  return state.status === 'issued' ? state.bill : null;
}

const propertyOf = (f: Fixture) => fold(propertyStream(f.propertyId), propertyDecider);

async function lastType(stream: string) {
  return (await deps.store.readStream(stream)).at(-1)?.type;
}

async function registerAccount(accountId: string, role: 'superuser' | 'customer') {
  await deps.store.append(`account-${accountId}`, [
    {
      id: randomUUID(),
      type: 'AccountRegistered',
      data: {
        accountId,
        username: `user${accountId.slice(0, 8)}`,
        roles: [role],
        personal: { v: 1, subject: accountId, iv: 'aXY', ct: 'Y3Q' },
        emailLookup: accountId,
        consentGivenAt: '2025-11-01T00:00:00.000Z',
        registeredAt: '2025-11-01T00:00:00.000Z',
      },
    },
  ]);
}

/** A reading through the meter decider, as the gateway stores it; returns its event id. */
async function read(f: Fixture, registerWh: number, readAt: string): Promise<string> {
  const seq = (seqs.get(f.meterId) ?? 0) + 1;
  seqs.set(f.meterId, seq);
  const at = new Date(readAt).toISOString();
  const metadata = meta('system:gateway', readAt);
  await handleCommand(deps.store, meterStream(f.meterId), meterDecider, {
    type: 'RecordReading',
    data: {
      seq,
      registerWh,
      readAt: at,
      signature: 'ab'.repeat(64),
      runId: null,
      requestId: null,
      receivedAt: at,
    },
    metadata,
  });
  const events = await deps.store.readStream(meterStream(f.meterId));
  return events.at(-1)!.id;
}

async function installMeter(f: Fixture) {
  const admin = superuser;
  const onProperty = (command: Parameters<typeof propertyDecider.decide>[0]) =>
    handleCommand(deps.store, propertyStream(f.propertyId), propertyDecider, command);
  const onMeter = (command: Parameters<typeof meterDecider.decide>[0]) =>
    handleCommand(deps.store, meterStream(f.meterId), meterDecider, command);
  const at = '2025-12-20T00:00:00Z';
  await onMeter({
    type: 'RegisterMeter',
    data: {
      meterId: f.meterId,
      serial: `MTR-000${f.n}`,
      publicKey: GENERATOR,
      kind: 'single-phase',
    },
    metadata: meta(admin, at),
  });
  await onProperty({
    type: 'AddProperty',
    data: {
      propertyId: f.propertyId,
      ownerId: customer,
      kind: 'residential',
      address: { v: 1, subject: customer, iv: 'aXY', ct: 'YWRkcmVzcw' },
      city: 'Pune',
      state: 'MH',
      pincode: '411001',
    },
    metadata: meta(customer, at),
  });
  await onProperty({
    type: 'ApproveProperty',
    data: { gatewayId: 'gw-1', meterId: f.meterId },
    metadata: meta(admin, at),
  });
  await onMeter({
    type: 'AssignMeter',
    data: { propertyId: f.propertyId, gatewayId: 'gw-1' },
    metadata: meta(admin, at),
  });
  const invitationId = randomUUID();
  await onProperty({
    type: 'InviteTenant',
    data: { invitationId, tenantId: tenant, expiresInDays: 7 },
    metadata: meta(customer, at),
  });
  await onProperty({
    type: 'AcceptInvitation',
    data: { invitationId },
    metadata: meta(tenant, at),
  });
  // The installation reading: the opening reading of the first bill.
  await read(f, 0, '2025-12-31T00:00:00Z');
}

// The secp256k1 generator point, compressed: a valid public key for inventory.
const GENERATOR = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
