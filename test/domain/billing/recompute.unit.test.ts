import { describe, expect, it } from 'vitest';
import {
  billDecider,
  recomputeBill,
  type BillEvent,
  type IssueBill,
  type IssuedBill,
} from '../../../src/domain/billing/index.ts';
import type { TariffVersion } from '../../../src/domain/tariff/index.ts';

describe('recomputeBill', () => {
  it('accepts a bill exactly as issued, also after a JSON round trip with keys reordered', () => {
    expect(recomputeBill(bill, tariff)).toEqual({ ok: true });
    const reversed = <T extends object>(o: T): T =>
      Object.fromEntries(Object.entries(o).reverse()) as T;
    const stored = JSON.parse(
      JSON.stringify({ ...reversed(bill), lines: bill.lines.map(reversed) }),
    );
    expect(recomputeBill(stored as IssuedBill, tariff)).toEqual({ ok: true });
  });

  it.each([
    [
      'lines',
      (b: IssuedBill) => ({
        ...b,
        lines: b.lines.map((l) => ({ ...l, amountPaise: l.amountPaise + 1 })),
      }),
    ],
    ['totals', (b: IssuedBill) => ({ ...b, totalPaise: b.totalPaise + 1 })],
    ['units', (b: IssuedBill) => ({ ...b, units: b.units + 1 })],
    ['due dates', (b: IssuedBill) => ({ ...b, dueDate: '2026-03-01' })],
    ['charges', (b: IssuedBill) => ({ ...b, chargesPaise: b.totalPaise })],
  ])('detects edited %s', (what, edit) => {
    expect(recomputeBill(edit(bill), tariff)).toEqual({
      ok: false,
      reason: `${what} differ on recomputation`,
    });
  });

  it('detects an edited reading and a wrong tariff version', () => {
    expect(recomputeBill({ ...bill, closingWh: bill.closingWh + 1000 }, tariff).ok).toBe(false);
    expect(recomputeBill(bill, { ...tariff, version: 2 })).toMatchObject({ ok: false });
    expect(recomputeBill({ ...bill, closingWh: 1 }, tariff)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('REGISTER_WENT_BACKWARDS'),
    });
  });
});

const tariff: TariffVersion = {
  version: 1,
  effectiveFrom: '2025-04-01',
  mode: 'telescopic',
  slabs: [
    { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 450 },
    { fromWh: 100_000, toWh: null, ratePaisePerKwh: 725 },
  ],
  fixedChargePaise: 3_000,
  taxes: [{ name: 'ED', basisPoints: 625, base: 'energy+fixed' }],
  miscCharges: [{ name: 'METER-RENT', amountPaise: 1_500 }],
  lateFeePaise: 5000,
  missedReadingPenaltyPaise: 20_000,
  dueDays: 14,
};

const issue: IssueBill = {
  type: 'IssueBill',
  data: {
    propertyId: 'p',
    period: '2026-01',
    meterId: 'm',
    tenantAccountId: null,
    ownerAccountId: 'o',
    opening: { eventId: 'r1', registerWh: 1_234_567, readAt: '2025-12-31T23:00:00.000Z' },
    closing: { eventId: 'r2', registerWh: 1_421_999, readAt: '2026-01-31T23:00:00.000Z' },
    tariffKind: 'residential',
    tariff,
    arrearsPaise: -1_250,
    missedPeriods: 1,
    runId: null,
  },
  metadata: { now: '2026-02-01T05:00:00.000Z', commandId: 'c', actor: 'system:billrun' },
};

const bill = (billDecider.decide(issue, billDecider.initialState) as BillEvent[])[0]!.data;
