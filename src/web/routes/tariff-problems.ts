// Every problem with a tariff version's terms, not just the first. The
// domain's validateTariff stops at the first rule broken; to list them all,
// each part of the terms (version, date, mode, due days, slabs, charges) is
// checked on its own by putting it into terms known to be valid, so a
// problem found is that part's. The rules themselves stay in the domain.

import type { TariffVersion } from '../../domain/tariff/events.ts';
import { validateTariff, type TariffValidationError } from '../../domain/tariff/validate.ts';

export interface TariffProblem {
  /** JSON pointer into the request body. */
  path: string;
  code: string;
  message: string;
}

/** Valid in every part; one part of the submitted terms replaces its counterpart here. */
const VALID: TariffVersion = {
  version: 1,
  effectiveFrom: '2026-01-01',
  mode: 'telescopic',
  slabs: [{ fromWh: 0, toWh: null, ratePaisePerKwh: 0 }],
  fixedChargePaise: 0,
  taxes: [],
  miscCharges: [],
  lateFeePaise: 0,
  missedReadingPenaltyPaise: 0,
  dueDays: 15,
};

const PARTS: { path: string; pick: (t: TariffVersion) => Partial<TariffVersion> }[] = [
  { path: '/version', pick: (t) => ({ version: t.version }) },
  { path: '/effectiveFrom', pick: (t) => ({ effectiveFrom: t.effectiveFrom }) },
  { path: '/mode', pick: (t) => ({ mode: t.mode }) },
  { path: '/dueDays', pick: (t) => ({ dueDays: t.dueDays }) },
  { path: '/slabs', pick: (t) => ({ slabs: t.slabs }) },
  {
    path: '/taxes',
    pick: (t) => ({
      taxes: t.taxes,
      miscCharges: t.miscCharges,
      fixedChargePaise: t.fixedChargePaise,
      lateFeePaise: t.lateFeePaise,
      missedReadingPenaltyPaise: t.missedReadingPenaltyPaise,
    }),
  },
];

const CHARGE_PATHS: Partial<Record<TariffValidationError['code'], string>> = {
  INVALID_AMOUNT: '/fixedChargePaise',
  INVALID_CHARGE_NAME: '/miscCharges',
  DUPLICATE_CHARGE_NAME: '/miscCharges',
  RESERVED_CHARGE_NAME: '/miscCharges',
};

export function tariffProblems(terms: TariffVersion): TariffProblem[] {
  if (validateTariff(terms) === null) return [];
  const problems: TariffProblem[] = [];
  for (const part of PARTS) {
    const error = validateTariff({ ...VALID, ...part.pick(terms) });
    if (error === null) continue;
    const path = part.path === '/taxes' ? (CHARGE_PATHS[error.code] ?? part.path) : part.path;
    problems.push({ path, code: error.code, message: error.message });
  }
  return problems;
}
