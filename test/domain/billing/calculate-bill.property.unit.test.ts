// Property-based checks of the bill calculation (DESIGN.md §5): integers only,
// total = sum of lines, deterministic, monotone in consumption, and telescopic
// never dearer than volume when rates rise by slab.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calculateBill,
  type BillInputs,
  type CalculatedBill,
} from '../../../src/domain/billing/calculate-bill.ts';
import { DomainError } from '../../../src/domain/shared/decider.ts';
import type { TariffVersion } from '../../../src/domain/tariff/index.ts';

describe('calculateBill properties', () => {
  it('total equals the sum of lines and every amount is a safe integer', () => {
    fc.assert(
      fc.property(
        tariffArb(),
        unitsArb,
        arrearsArb,
        missedArb,
        (tariff, units, arrears, missed) => {
          const bill = ok(calculateBill(billInputs(tariff, units, arrears, missed)));
          const amounts = bill.lines.map((l) => l.amountPaise);
          expect(amounts.every(Number.isSafeInteger)).toBe(true);
          expect(Number.isSafeInteger(bill.totalPaise)).toBe(true);
          expect(bill.totalPaise).toBe(amounts.reduce((a, b) => a + b, 0));
          expect(bill.units).toBe(units);
        },
      ),
    );
  });

  it('gives the same bill for the same inputs, also after a JSON round trip', () => {
    fc.assert(
      fc.property(
        tariffArb(),
        unitsArb,
        arrearsArb,
        missedArb,
        (tariff, units, arrears, missed) => {
          const given = billInputs(tariff, units, arrears, missed);
          const first = calculateBill(given);
          expect(calculateBill(given)).toEqual(first);
          expect(calculateBill(JSON.parse(JSON.stringify(given)) as BillInputs)).toEqual(first);
        },
      ),
    );
  });

  it('never charges less for more units (telescopic, any rates)', () => {
    fc.assert(
      fc.property(tariffArb({ mode: 'telescopic' }), unitsArb, unitsArb, (tariff, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(total(tariff, high)).toBeGreaterThanOrEqual(total(tariff, low));
      }),
    );
  });

  it('never charges less for more units (volume, rates rising by slab)', () => {
    fc.assert(
      fc.property(
        tariffArb({ mode: 'volume', rising: true }),
        unitsArb,
        unitsArb,
        (tariff, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          expect(total(tariff, high)).toBeGreaterThanOrEqual(total(tariff, low));
        },
      ),
    );
  });

  it('telescopic never exceeds volume when rates rise by slab (whole kWh: no rounding)', () => {
    fc.assert(
      fc.property(
        tariffArb({ rising: true, wholeKwh: true }),
        fc.integer({ min: 0, max: 5_000_000 }),
        (tariff, kwh) => {
          const telescopic = total({ ...tariff, mode: 'telescopic' }, kwh * 1000);
          const volume = total({ ...tariff, mode: 'volume' }, kwh * 1000);
          expect(telescopic).toBeLessThanOrEqual(volume);
        },
      ),
    );
  });

  it('telescopic energy exceeds volume by at most the per-line rounding, for any Wh', () => {
    fc.assert(
      fc.property(tariffArb({ rising: true }), unitsArb, (tariff, units) => {
        const tele = ok(calculateBill(billInputs({ ...tariff, mode: 'telescopic' }, units)));
        const vol = ok(calculateBill(billInputs({ ...tariff, mode: 'volume' }, units)));
        const energy = (b: CalculatedBill) =>
          b.lines.filter((l) => l.code.startsWith('ENERGY')).reduce((s, l) => s + l.amountPaise, 0);
        const teleLines = tele.lines.filter((l) => l.code.startsWith('ENERGY')).length;
        // each line is off its exact value by at most half a paisa
        expect(energy(tele) - energy(vol)).toBeLessThanOrEqual(Math.floor((teleLines + 1) / 2));
      }),
    );
  });
});

const unitsArb = fc.integer({ min: 0, max: 2_000_000_000 });
const arrearsArb = fc.integer({ min: -10_000_000, max: 10_000_000 });
const missedArb = fc.integer({ min: 0, max: 3 });

function tariffArb(
  options: { mode?: 'telescopic' | 'volume'; rising?: boolean; wholeKwh?: boolean } = {},
) {
  const step = options.wholeKwh ? 1000 : 1;
  return fc
    .record({
      mode: options.mode ? fc.constant(options.mode) : fc.constantFrom('telescopic', 'volume'),
      widths: fc.array(fc.integer({ min: 1, max: 400_000 }), { maxLength: 4 }),
      rates: fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 5, maxLength: 5 }),
      fixedChargePaise: fc.integer({ min: 0, max: 100_000 }),
      misc: fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 3 }),
      taxes: fc.array(
        fc.record({ basisPoints: fc.integer({ min: 0, max: 3_000 }), baseIndex: fc.nat() }),
        { maxLength: 3 },
      ),
      dueDays: fc.integer({ min: 1, max: 90 }),
    })
    .map((r): TariffVersion => {
      const rates = options.rising ? [...r.rates].sort((a, b) => a - b) : r.rates;
      let from = 0;
      const slabs: TariffVersion['slabs'] = r.widths.map((w, i) => {
        const slab = { fromWh: from, toWh: from + w * step, ratePaisePerKwh: rates[i]! };
        from += w * step;
        return slab;
      });
      slabs.push({ fromWh: from, toWh: null, ratePaisePerKwh: rates[4]! });
      const miscCharges = r.misc.map((amountPaise, i) => ({ name: `MISC${i}`, amountPaise }));
      const bases = ['energy', 'energy+fixed', ...miscCharges.map((m) => m.name)];
      return {
        version: 1,
        effectiveFrom: '2026-01-01',
        mode: r.mode,
        slabs,
        fixedChargePaise: r.fixedChargePaise,
        taxes: r.taxes.map((t, i) => ({
          name: `TAX${i}`,
          basisPoints: t.basisPoints,
          base: bases[t.baseIndex % bases.length]!,
        })),
        miscCharges,
        lateFeePaise: 0,
        missedReadingPenaltyPaise: 15_000,
        dueDays: r.dueDays,
      };
    });
}

function billInputs(tariff: TariffVersion, units: number, arrears = 0, missed = 0): BillInputs {
  return {
    opening: { eventId: 'r-1', registerWh: 12_345, readAt: '2026-01-01T00:00:00.000Z' },
    closing: { eventId: 'r-2', registerWh: 12_345 + units, readAt: '2026-02-01T00:00:00.000Z' },
    tariff,
    arrearsPaise: arrears,
    missedPeriods: missed,
    issuedAt: '2026-02-01T08:00:00.000Z',
  };
}

const total = (tariff: TariffVersion, units: number): number =>
  ok(calculateBill(billInputs(tariff, units))).totalPaise;

function ok(outcome: CalculatedBill | DomainError): CalculatedBill {
  if (outcome instanceof DomainError) throw outcome;
  return outcome;
}
