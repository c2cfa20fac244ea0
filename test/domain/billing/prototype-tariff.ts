// The Flask prototype's residential tariff: ₹5 / ₹8 / ₹12 per unit in volume
// mode, 5% SGST on energy and ₹45 meter rent. 500 kWh on it is the
// prototype's published sample bill, ₹6,345.00, which the billing tests
// reproduce.

import type { TariffVersion } from '../../../src/domain/tariff/index.ts';

export const prototypeTariff: TariffVersion = {
  version: 3,
  effectiveFrom: '2025-04-01',
  mode: 'volume',
  slabs: [
    { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 },
    { fromWh: 100_000, toWh: 200_000, ratePaisePerKwh: 800 },
    { fromWh: 200_000, toWh: null, ratePaisePerKwh: 1200 },
  ],
  fixedChargePaise: 0,
  taxes: [{ name: 'SGST', basisPoints: 500, base: 'energy' }],
  miscCharges: [{ name: 'RENT', amountPaise: 4500 }],
  lateFeePaise: 5000,
  missedReadingPenaltyPaise: 20_000,
  dueDays: 14,
};
