// Listing every problem of a tariff version's terms: valid terms have none;
// each broken part is reported once at its own path with the domain's code,
// and several broken parts are all reported together.

import { describe, expect, it } from 'vitest';
import type { TariffVersion } from '../../src/domain/tariff/events.ts';
import { tariffProblems } from '../../src/web/routes/tariff-problems.ts';
import { RESIDENTIAL_TARIFF } from '../support/residential-tariff.ts';

describe('tariff problems', () => {
  it('finds none in valid terms', () => {
    expect(tariffProblems(RESIDENTIAL_TARIFF)).toEqual([]);
  });

  it('reports one broken part at its path with the domain code', () => {
    const overlapping: TariffVersion = {
      ...RESIDENTIAL_TARIFF,
      slabs: [
        { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 },
        { fromWh: 50_000, toWh: null, ratePaisePerKwh: 800 },
      ],
    };
    expect(tariffProblems(overlapping)).toEqual([
      { path: '/slabs', code: 'SLAB_OVERLAP', message: 'slabs 1 and 2 overlap' },
    ]);
  });

  it('reports every broken part together', () => {
    const broken: TariffVersion = {
      ...RESIDENTIAL_TARIFF,
      effectiveFrom: '2026-02-30',
      dueDays: 0,
      slabs: [{ fromWh: 10, toWh: null, ratePaisePerKwh: 500 }],
      taxes: [{ name: 'Duty', basisPoints: 500, base: 'meter-rent' }],
    };
    expect(tariffProblems(broken).map((p) => [p.path, p.code])).toEqual([
      ['/effectiveFrom', 'INVALID_EFFECTIVE_DATE'],
      ['/dueDays', 'INVALID_DUE_DAYS'],
      ['/slabs', 'SLABS_NOT_FROM_ZERO'],
      ['/taxes', 'UNKNOWN_TAX_BASE'],
    ]);
  });

  it('points charge-name problems at the misc charges', () => {
    const duplicate: TariffVersion = {
      ...RESIDENTIAL_TARIFF,
      miscCharges: [
        { name: 'Meter rent', amountPaise: 100 },
        { name: 'Meter rent', amountPaise: 200 },
      ],
    };
    expect(tariffProblems(duplicate)).toEqual([
      expect.objectContaining({ path: '/miscCharges', code: 'DUPLICATE_CHARGE_NAME' }),
    ]);
  });
});
