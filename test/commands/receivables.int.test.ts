// Receivable services on real Postgres: charging, FIFO payments, idempotent
// retries and concurrent duplicate payments, late fees from the tariff in
// force, and credit notes.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyAdjustment,
  applyLateFees,
  chargeBill,
  receivableOf,
  recordPayment,
  type PaymentInput,
} from '../../src/commands/receivables.ts';
import { handleCommand } from '../../src/commands/handle-command.ts';
import { propertyDecider, propertyStream } from '../../src/domain/property/index.ts';
import { receivableStream } from '../../src/domain/receivable/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import { tariffDecider, tariffStream, type TariffVersion } from '../../src/domain/tariff/index.ts';
import { isWrongExpectedRevision } from '../../src/eventstore/errors.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { RESIDENTIAL_TARIFF } from '../support/residential-tariff.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

let testStore: PostgresTestStore;
let store: EventStore;

beforeAll(async () => {
  testStore = await createPostgresTestStore();
  store = testStore.store;
  await handleCommand(store, tariffStream('residential'), tariffDecider, {
    type: 'PublishTariffVersion',
    data: { kind: 'residential', terms: tariff },
    metadata: meta('system:setup'),
  });
});

afterAll(async () => {
  await testStore?.close();
});

describe('receivable services', () => {
  it('charges a bill once and settles it FIFO with a part payment and an over-payment', async () => {
    const propertyId = await addProperty();
    const deps = { store };
    await chargeBill(deps, bill(propertyId, '2026-01', 1_000_00, '2026-02-15'), meta());
    await chargeBill(deps, bill(propertyId, '2026-01', 1_000_00, '2026-02-15'), meta());
    await chargeBill(deps, bill(propertyId, '2026-02', 800_00, '2026-03-15'), meta());
    await recordPayment(deps, payment(propertyId, 'pay_1', 1_500_00), meta());
    const afterPart = await receivableOf(store, propertyId);
    expect(afterPart.balancePaise).toBe(300_00);
    expect(afterPart.bills.map((b) => b.remainingPaise)).toEqual([0, 300_00]);

    await recordPayment(deps, payment(propertyId, 'pay_2', 500_00), meta());
    const after = await receivableOf(store, propertyId);
    expect(after.balancePaise).toBe(-200_00);
    expect(after.creditPaise).toBe(200_00);
    const types = (await store.readStream(receivableStream(propertyId))).map((e) => e.type);
    expect(types).toEqual(['BillCharged', 'BillCharged', 'PaymentReceived', 'PaymentReceived']);
  });

  it('a retried payment command (same command id) appends nothing new', async () => {
    const propertyId = await addProperty();
    const metadata = meta();
    const first = await recordPayment(
      { store },
      payment(propertyId, 'pay_retry', 100_00),
      metadata,
    );
    const retry = await recordPayment(
      { store },
      payment(propertyId, 'pay_retry', 100_00),
      metadata,
    );
    expect(first.events).toHaveLength(1);
    expect(retry.events).toEqual([]);
    expect(retry.position).toBe(first.position);
    expect(await paymentsIn(propertyId)).toBe(1);
  });

  it('the same reference from concurrent requests is recorded exactly once', async () => {
    const propertyId = await addProperty();
    await chargeBill({ store }, bill(propertyId, '2026-01', 500_00, '2026-02-15'), meta());
    // Hold every request's first read until all have read: all decide on the same
    // state and race to append, so the conflict path is taken every run.
    const racing = raceOnFirstRead(store, receivableStream(propertyId), 5);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        recordPayment(
          { store: racing.store },
          payment(propertyId, 'pay_concurrent', 500_00),
          meta(),
        ),
      ),
    );
    expect(racing.conflicts()).toBe(4);
    expect(results.filter((r) => r.events.length === 1)).toHaveLength(1);
    expect(await paymentsIn(propertyId)).toBe(1);
    expect((await receivableOf(store, propertyId)).balancePaise).toBe(0);
  });

  it('a reused reference with another amount is refused, even when concurrent', async () => {
    const propertyId = await addProperty();
    const outcomes = await Promise.allSettled([
      recordPayment({ store }, payment(propertyId, 'pay_clash', 100_00), meta()),
      recordPayment({ store }, payment(propertyId, 'pay_clash', 200_00), meta()),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ code: 'PAYMENT_REFERENCE_REUSED' });
    expect(await paymentsIn(propertyId)).toBe(1);
  });

  it('applies the tariff’s late fee once per overdue bill', async () => {
    const propertyId = await addProperty();
    await chargeBill({ store }, bill(propertyId, '2026-01', 1_000_00, '2026-02-15'), meta());
    await chargeBill({ store }, bill(propertyId, '2026-02', 1_000_00, '2026-03-15'), meta());
    const first = await applyLateFees({ store }, propertyId, '2026-03-01', meta());
    const again = await applyLateFees({ store }, propertyId, '2026-03-20', meta());
    expect(first.events.map((e) => e.data)).toMatchObject([{ lateFeePaise: tariff.lateFeePaise }]);
    expect(again.events.map((e) => e.type === 'LateFeeApplied' && e.data.billId)).toEqual([
      `${propertyId}_2026-02`,
    ]);
    expect((await receivableOf(store, propertyId)).balancePaise).toBe(
      2_000_00 + 2 * tariff.lateFeePaise,
    );
  });

  it('refuses late fees without a tariff in force, and payments for unknown properties', async () => {
    const commercial = await addProperty('commercial');
    await expect(applyLateFees({ store }, commercial, '2026-03-01', meta())).rejects.toMatchObject({
      code: 'NO_TARIFF_IN_FORCE',
    });
    const residential = await addProperty();
    await expect(applyLateFees({ store }, residential, '2025-12-31', meta())).rejects.toMatchObject(
      { code: 'NO_TARIFF_IN_FORCE' },
    );
    await expect(
      recordPayment({ store }, payment(randomUUID(), 'pay_x', 100), meta()),
    ).rejects.toMatchObject({ code: 'PROPERTY_NOT_FOUND' });
  });

  it('a credit note leaves credit that settles the next bill', async () => {
    const propertyId = await addProperty();
    await chargeBill({ store }, bill(propertyId, '2026-01', 100_00, '2026-02-15'), meta());
    await applyAdjustment(
      { store },
      { propertyId, amountPaise: 150_00, reason: 'meter misread', approvedBy: 'admin-1' },
      meta('admin-1'),
    );
    await chargeBill({ store }, bill(propertyId, '2026-02', 80_00, '2026-03-15'), meta());
    const state = await receivableOf(store, propertyId);
    expect(state.balancePaise).toBe(30_00);
    expect(state.bills.map((b) => b.remainingPaise)).toEqual([0, 30_00]);
    await expect(
      applyAdjustment(
        { store },
        { propertyId, amountPaise: 10_00, reason: ' ', approvedBy: 'admin-1' },
        meta('admin-1'),
      ),
    ).rejects.toMatchObject({ code: 'INVALID_REASON' });
  });
});

// Fixtures

// In force from 2026-01-01: on 2025-12-31 there is none.
const tariff: TariffVersion = { ...RESIDENTIAL_TARIFF, effectiveFrom: '2026-01-01' };

function meta(actor = 'system:billing'): CommandMetadata {
  return { now: '2026-04-01T10:00:00.000Z', commandId: randomUUID(), actor };
}

async function addProperty(kind: 'residential' | 'commercial' = 'residential'): Promise<string> {
  const propertyId = randomUUID();
  const ownerId = randomUUID();
  await handleCommand(store, propertyStream(propertyId), propertyDecider, {
    type: 'AddProperty',
    data: {
      propertyId,
      ownerId,
      kind,
      address: { v: 1, subject: ownerId, iv: 'aXY', ct: 'Y3Q' },
      city: 'Pune',
      state: 'MH',
      pincode: '411001',
    },
    metadata: meta(ownerId),
  });
  return propertyId;
}

function bill(propertyId: string, period: string, amountPaise: number, dueDate: string) {
  return { propertyId, billId: `${propertyId}_${period}`, period, amountPaise, dueDate };
}

function payment(propertyId: string, paymentReference: string, amountPaise: number): PaymentInput {
  return {
    propertyId,
    paymentReference,
    amountPaise,
    method: 'online',
    methodReference: paymentReference,
    receivedAt: '2026-04-01T09:00:00.000Z',
    recordedBy: 'system:payments',
  };
}

/** A store whose first `parties` reads of `stream` wait for each other; counts append conflicts. */
function raceOnFirstRead(inner: EventStore, stream: string, parties: number) {
  let waiting = 0;
  let conflicts = 0;
  let release: () => void = () => {};
  const allRead = new Promise<void>((resolve) => (release = resolve));
  const racing: EventStore = Object.create(inner);
  racing.readStream = async (name, options) => {
    const events = await inner.readStream(name, options);
    if (name === stream && waiting < parties) {
      waiting += 1;
      if (waiting === parties) release();
      await allRead;
    }
    return events;
  };
  racing.append = async (name, events, options) => {
    try {
      return await inner.append(name, events, options);
    } catch (error) {
      if (isWrongExpectedRevision(error)) conflicts += 1;
      throw error;
    }
  };
  return { store: racing, conflicts: () => conflicts };
}

async function paymentsIn(propertyId: string): Promise<number> {
  const events = await store.readStream(receivableStream(propertyId));
  return events.filter((e) => e.type === 'PaymentReceived').length;
}
