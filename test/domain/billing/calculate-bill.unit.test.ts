import { describe, expect, it } from 'vitest';
import {
  calculateBill,
  type BillInputs,
  type CalculatedBill,
} from '../../../src/domain/billing/calculate-bill.ts';
import { DomainError } from '../../../src/domain/shared/decider.ts';
import type { TariffVersion } from '../../../src/domain/tariff/index.ts';
import { prototypeTariff } from './prototype-tariff.ts';

describe('calculateBill: fixed cases', () => {
  it("reproduces the prototype's published sample: ₹6,345.00", () => {
    const bill = ok(calculateBill(inputs(prototypeTariff, 1_000_000, 1_500_000)));
    expect(bill.units).toBe(500_000);
    expect(bill.lines).toEqual([
      {
        code: 'ENERGY',
        label: 'Energy 500 kWh @ ₹12.00/kWh',
        quantityWh: 500_000,
        ratePaisePerKwh: 1200,
        amountPaise: 600_000,
      },
      {
        code: 'MISC:RENT',
        label: 'RENT',
        quantityWh: null,
        ratePaisePerKwh: null,
        amountPaise: 4500,
      },
      {
        code: 'TAX:SGST',
        label: 'SGST 5% of energy',
        quantityWh: null,
        ratePaisePerKwh: null,
        amountPaise: 30_000,
      },
    ]);
    expect(bill.totalPaise).toBe(634_500);
    expect(bill.tariffVersion).toBe(3);
    expect(bill.dueDate).toBe('2026-02-15');
  });

  it('charges each telescopic slab at its own rate', () => {
    const bill = ok(calculateBill(inputs({ ...prototypeTariff, mode: 'telescopic' }, 0, 250_000)));
    expect(bill.lines.filter((l) => l.code.startsWith('ENERGY'))).toEqual([
      expect.objectContaining({
        code: 'ENERGY_1',
        label: 'Energy slab 0–100 kWh: 100 kWh @ ₹5.00/kWh',
        quantityWh: 100_000,
        amountPaise: 50_000,
      }),
      expect.objectContaining({ code: 'ENERGY_2', quantityWh: 100_000, amountPaise: 80_000 }),
      expect.objectContaining({
        code: 'ENERGY_3',
        label: 'Energy slab above 200 kWh: 50 kWh @ ₹12.00/kWh',
        quantityWh: 50_000,
        amountPaise: 60_000,
      }),
    ]);
    // SGST 5% of ₹1,900 energy + RENT
    expect(bill.totalPaise).toBe(190_000 + 9_500 + 4_500);
  });

  it('puts the top of a slab in that slab in volume mode', () => {
    const bill = ok(calculateBill(inputs(prototypeTariff, 0, 100_000)));
    expect(bill.lines[0]).toMatchObject({ ratePaisePerKwh: 500, amountPaise: 50_000 });
    const next = ok(calculateBill(inputs(prototypeTariff, 0, 100_001)));
    expect(next.lines[0]).toMatchObject({ ratePaisePerKwh: 800, amountPaise: 80_001 });
  });

  it('rounds each line half-up to the paisa once', () => {
    const tariff: TariffVersion = {
      ...prototypeTariff,
      mode: 'telescopic',
      slabs: [{ fromWh: 0, toWh: null, ratePaisePerKwh: 5 }],
      taxes: [{ name: 'GST', basisPoints: 250, base: 'energy' }],
      miscCharges: [],
    };
    // 100 Wh × 5 paise/kWh = 0.5 paise → 1; tax 2.5% of 1 paisa = 0.025 → 0
    const bill = ok(calculateBill(inputs(tariff, 0, 100)));
    expect(bill.lines.map((l) => l.amountPaise)).toEqual([1, 0]);
    // 99 Wh → 0.495 paise → 0
    expect(ok(calculateBill(inputs(tariff, 0, 99))).lines[0]!.amountPaise).toBe(0);
  });

  it('adds fixed charge, taxes on energy+fixed and on a misc charge, penalty and arrears', () => {
    const tariff: TariffVersion = {
      ...prototypeTariff,
      fixedChargePaise: 10_000,
      taxes: [
        { name: 'ED', basisPoints: 600, base: 'energy+fixed' },
        { name: 'RENT-GST', basisPoints: 1800, base: 'RENT' },
      ],
    };
    const bill = ok(
      calculateBill({ ...inputs(tariff, 0, 50_000), missedPeriods: 1, arrearsPaise: -2_000 }),
    );
    const byCode = Object.fromEntries(bill.lines.map((l) => [l.code, l.amountPaise]));
    expect(byCode).toEqual({
      ENERGY: 25_000,
      FIXED: 10_000,
      'MISC:RENT': 4_500,
      'TAX:ED': 2_100,
      'TAX:RENT-GST': 810,
      PENALTY: 20_000,
      ARREARS: -2_000,
    });
    expect(bill.totalPaise).toBe(60_410);
  });

  it('bills no energy line for zero consumption', () => {
    const bill = ok(calculateBill(inputs(prototypeTariff, 7_000, 7_000)));
    expect(bill.units).toBe(0);
    expect(bill.lines.map((l) => l.code)).toEqual(['MISC:RENT', 'TAX:SGST']);
  });
});

describe('calculateBill: rejections', () => {
  const base = inputs(prototypeTariff, 1_000, 2_000);
  const cases: [string, BillInputs][] = [
    ['INVALID_TARIFF', { ...base, tariff: { ...prototypeTariff, slabs: [] } }],
    ['INVALID_READING', { ...base, closing: { ...base.closing, registerWh: 1.5 } }],
    ['INVALID_READING', { ...base, opening: { ...base.opening, readAt: 'yesterday' } }],
    [
      'READINGS_OUT_OF_ORDER',
      { ...base, closing: { ...base.closing, readAt: '2025-12-01T00:00:00Z' } },
    ],
    ['REGISTER_WENT_BACKWARDS', { ...base, closing: { ...base.closing, registerWh: 999 } }],
    ['INVALID_ARREARS', { ...base, arrearsPaise: 0.5 }],
    ['INVALID_MISSED_PERIODS', { ...base, missedPeriods: -1 }],
    ['INVALID_ISSUE_DATE', { ...base, issuedAt: 'soon' }],
    [
      'AMOUNT_OUT_OF_RANGE',
      {
        ...base,
        closing: { ...base.closing, registerWh: Number.MAX_SAFE_INTEGER },
        tariff: {
          ...prototypeTariff,
          slabs: [{ fromWh: 0, toWh: null, ratePaisePerKwh: 1_000_000 }],
        },
      },
    ],
  ];
  it.each(cases)('reports %s', (code, bad) => {
    const outcome = calculateBill(bad);
    expect(outcome).toBeInstanceOf(DomainError);
    expect((outcome as DomainError).code).toBe(code);
  });
});

function ok(outcome: CalculatedBill | DomainError): CalculatedBill {
  if (outcome instanceof DomainError) throw outcome;
  return outcome;
}

function inputs(tariff: TariffVersion, openingWh: number, closingWh: number): BillInputs {
  return {
    opening: { eventId: 'r-1', registerWh: openingWh, readAt: '2025-12-31T23:00:00.000Z' },
    closing: { eventId: 'r-2', registerWh: closingWh, readAt: '2026-01-31T23:00:00.000Z' },
    tariff,
    arrearsPaise: 0,
    missedPeriods: 0,
    issuedAt: '2026-02-01T06:00:00.000Z',
  };
}
