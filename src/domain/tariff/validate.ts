// Pure rules for a tariff version's terms (shape, slabs, names, bases) and the
// lookup of the version in force on a date. Shared by the tariff decider and by
// the bill calculation, which must never price with an invalid tariff.

import { DomainError } from '../shared/decider.ts';
import type { TariffVersion } from './events.ts';

export type TariffValidationCode =
  | 'INVALID_EFFECTIVE_DATE'
  | 'INVALID_VERSION'
  | 'INVALID_MODE'
  | 'INVALID_CHARGE_NAME'
  | 'NO_SLABS'
  | 'SLABS_NOT_FROM_ZERO'
  | 'SLAB_GAP'
  | 'SLAB_OVERLAP'
  | 'SLAB_EMPTY'
  | 'OPEN_SLAB_NOT_LAST'
  | 'NO_OPEN_TOP_SLAB'
  | 'INVALID_RATE'
  | 'INVALID_AMOUNT'
  | 'DUPLICATE_CHARGE_NAME'
  | 'RESERVED_CHARGE_NAME'
  | 'UNKNOWN_TAX_BASE'
  | 'INVALID_DUE_DAYS';

export class TariffValidationError extends DomainError<TariffValidationCode> {}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

const isNonNegativeInt = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

const fail = (code: TariffValidationCode, message: string) =>
  new TariffValidationError(code, message);

function validateSlabs(slabs: TariffVersion['slabs']): TariffValidationError | null {
  if (slabs.length === 0) return fail('NO_SLABS', 'a tariff needs at least one slab');
  if (slabs[0]!.fromWh !== 0)
    return fail('SLABS_NOT_FROM_ZERO', 'the first slab must start at 0 Wh');
  for (const [i, slab] of slabs.entries()) {
    if (!isNonNegativeInt(slab.ratePaisePerKwh))
      return fail(
        'INVALID_RATE',
        `slab ${i + 1}: rate must be a non-negative integer of paise/kWh`,
      );
    if (!isNonNegativeInt(slab.fromWh) || (slab.toWh !== null && !isNonNegativeInt(slab.toWh)))
      return fail('SLAB_GAP', `slab ${i + 1}: bounds must be non-negative integers of Wh`);
    if (slab.toWh === null) {
      if (i !== slabs.length - 1)
        return fail('OPEN_SLAB_NOT_LAST', `slab ${i + 1} is open-ended but is not the last slab`);
      continue;
    }
    if (slab.toWh <= slab.fromWh)
      return fail('SLAB_EMPTY', `slab ${i + 1}: toWh must be greater than fromWh`);
    const next = slabs[i + 1];
    if (next === undefined)
      return fail('NO_OPEN_TOP_SLAB', 'the last slab must be open-ended (toWh null)');
    if (next.fromWh < slab.toWh) return fail('SLAB_OVERLAP', `slabs ${i + 1} and ${i + 2} overlap`);
    if (next.fromWh > slab.toWh) return fail('SLAB_GAP', `gap between slabs ${i + 1} and ${i + 2}`);
  }
  return null;
}

// Tax bases that are not misc charges; a charge named like them would be ambiguous.
const RESERVED_BASES = new Set(['energy', 'energy+fixed']);

function validateCharges(terms: TariffVersion): TariffValidationError | null {
  const names = new Set<string>();
  for (const { name } of [...terms.taxes, ...terms.miscCharges]) {
    if (typeof name !== 'string' || name.trim() === '' || name !== name.trim())
      return fail(
        'INVALID_CHARGE_NAME',
        'charge names must be non-empty, without surrounding spaces',
      );
    if (RESERVED_BASES.has(name))
      return fail('RESERVED_CHARGE_NAME', `${name} is reserved for a tax base`);
    if (names.has(name)) return fail('DUPLICATE_CHARGE_NAME', `charge name ${name} is used twice`);
    names.add(name);
  }
  const miscNames = new Set(terms.miscCharges.map((m) => m.name));
  for (const tax of terms.taxes) {
    if (!isNonNegativeInt(tax.basisPoints))
      return fail('INVALID_RATE', `tax ${tax.name}: basis points must be a non-negative integer`);
    // A tax may only stand on energy, energy+fixed or a misc charge: never on
    // another tax, so tax lines need no ordering and cannot form a cycle.
    if (!RESERVED_BASES.has(tax.base) && !miscNames.has(tax.base))
      return fail('UNKNOWN_TAX_BASE', `tax ${tax.name}: unknown base ${tax.base}`);
  }
  const amounts = [
    terms.fixedChargePaise,
    terms.lateFeePaise,
    terms.missedReadingPenaltyPaise,
    ...terms.miscCharges.map((m) => m.amountPaise),
  ];
  if (!amounts.every(isNonNegativeInt))
    return fail('INVALID_AMOUNT', 'charges must be non-negative integers of paise');
  return null;
}

/** Checks one version's terms on their own; returns null when they are valid. */
export function validateTariff(terms: TariffVersion): TariffValidationError | null {
  if (!Number.isSafeInteger(terms.version) || terms.version < 1)
    return fail('INVALID_VERSION', 'version must be a positive integer');
  if (!isIsoDate(terms.effectiveFrom))
    return fail('INVALID_EFFECTIVE_DATE', 'effectiveFrom must be a date YYYY-MM-DD');
  if (terms.mode !== 'telescopic' && terms.mode !== 'volume')
    return fail('INVALID_MODE', 'mode must be telescopic or volume');
  if (!Number.isInteger(terms.dueDays) || terms.dueDays < 1 || terms.dueDays > 90)
    return fail('INVALID_DUE_DAYS', 'dueDays must be an integer from 1 to 90');
  return validateSlabs(terms.slabs) ?? validateCharges(terms);
}

/**
 * The version in force on `date` (YYYY-MM-DD): the one with the latest
 * effectiveFrom not after it, or null when none had started yet.
 */
export function tariffInForce(
  versions: readonly TariffVersion[],
  date: string,
): TariffVersion | null {
  let found: TariffVersion | null = null;
  for (const v of versions) {
    // ISO dates compare correctly as strings.
    if (v.effectiveFrom <= date && (found === null || v.effectiveFrom > found.effectiveFrom))
      found = v;
  }
  return found;
}
