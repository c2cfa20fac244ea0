// The residential tariff the test worlds publish (the audit ledger, the fault
// world, the web routes): telescopic, ₹5/kWh up to 100 kWh and ₹8 above, a
// ₹50 fixed charge and 5% SGST on energy. One definition, so a total worked
// out by hand in one suite holds in the others.

import type { TariffVersion } from '../../src/domain/tariff/index.ts';

export const RESIDENTIAL_TARIFF: TariffVersion = {
  version: 1,
  effectiveFrom: '2025-12-01',
  mode: 'telescopic',
  slabs: [
    { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 },
    { fromWh: 100_000, toWh: null, ratePaisePerKwh: 800 },
  ],
  fixedChargePaise: 5_000,
  taxes: [{ name: 'SGST', basisPoints: 500, base: 'energy' }],
  miscCharges: [],
  lateFeePaise: 10_000,
  missedReadingPenaltyPaise: 25_000,
  dueDays: 15,
};
