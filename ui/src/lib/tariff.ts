// The tariff editor's model: a draft as people type it (rupees, kWh, percent as
// text; slabs by their upper bound) converted to a TariffVersion in integer
// paise / Wh / basis points, checked by the domain's own validateTariff, and a
// live bill preview priced by the domain's calculateBill, the very function
// that issues real bills (it is pure and dependency-free, so it is bundled).

import { calculateBill, type CalculatedBill } from '../../../src/domain/billing/calculate-bill.ts';
import type { TariffVersion } from '../../../src/domain/tariff/events.ts';
import { validateTariff } from '../../../src/domain/tariff/validate.ts';
import { formatKwh, formatPercent, formatRupees } from '../../../src/domain/billing/money.ts';
import { parseKwh, parseRupees } from './money.ts';

export type { CalculatedBill, TariffVersion };

export interface SlabDraft {
  /** Upper bound in kWh; blank for the open-ended top slab. */
  upToKwh: string;
  /** Rupees per kWh. */
  rate: string;
}

export interface TariffDraft {
  version: number;
  effectiveFrom: string;
  mode: 'telescopic' | 'volume';
  slabs: SlabDraft[];
  fixedCharge: string;
  taxes: { name: string; percent: string; base: string }[];
  miscCharges: { name: string; amount: string }[];
  lateFee: string;
  missedReadingPenalty: string;
  dueDays: string;
}

export type DraftResult =
  { ok: true; tariff: TariffVersion } | { ok: false; field: string; message: string };

/** "5", "2.5", "18.75" percent → basis points, or null. */
export function parsePercent(input: string): number | null {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(input.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

const bad = (field: string, message: string): DraftResult => ({ ok: false, field, message });

export function draftToTariff(draft: TariffDraft): DraftResult {
  const slabs: TariffVersion['slabs'] = [];
  let fromWh = 0;
  for (const [i, slab] of draft.slabs.entries()) {
    const rate = parseRupees(slab.rate);
    if (rate === null)
      return bad(`slabs.${i}.rate`, `slab ${i + 1}: rate must be rupees like 4.50`);
    const open = slab.upToKwh.trim() === '';
    const toWh = open ? null : parseKwh(slab.upToKwh);
    if (!open && toWh === null)
      return bad(`slabs.${i}.upToKwh`, `slab ${i + 1}: the upper bound must be kWh like 100`);
    slabs.push({ fromWh, toWh, ratePaisePerKwh: rate });
    fromWh = toWh ?? fromWh;
  }
  const money = {
    fixedCharge: parseRupees(draft.fixedCharge),
    lateFee: parseRupees(draft.lateFee),
    missedReadingPenalty: parseRupees(draft.missedReadingPenalty),
  };
  for (const [field, value] of Object.entries(money))
    if (value === null) return bad(field, `${field}: enter rupees like 50 or 12.50`);
  const taxes: TariffVersion['taxes'] = [];
  for (const [i, tax] of draft.taxes.entries()) {
    const basisPoints = parsePercent(tax.percent);
    if (basisPoints === null)
      return bad(`taxes.${i}.percent`, `tax ${i + 1}: percent like 5 or 2.5`);
    taxes.push({ name: tax.name.trim(), basisPoints, base: tax.base });
  }
  const miscCharges: TariffVersion['miscCharges'] = [];
  for (const [i, misc] of draft.miscCharges.entries()) {
    const amountPaise = parseRupees(misc.amount);
    if (amountPaise === null)
      return bad(`miscCharges.${i}.amount`, `charge ${i + 1}: enter rupees`);
    miscCharges.push({ name: misc.name.trim(), amountPaise });
  }
  const dueDays = /^\d{1,3}$/.test(draft.dueDays.trim()) ? Number(draft.dueDays) : NaN;
  const tariff: TariffVersion = {
    version: draft.version,
    effectiveFrom: draft.effectiveFrom,
    mode: draft.mode,
    slabs,
    fixedChargePaise: money.fixedCharge!,
    taxes,
    miscCharges,
    lateFeePaise: money.lateFee!,
    missedReadingPenaltyPaise: money.missedReadingPenalty!,
    dueDays,
  };
  const invalid = validateTariff(tariff);
  return invalid ? bad(invalid.code, invalid.message) : { ok: true, tariff };
}

/** The bill for `unitsWh` of consumption with no arrears or penalties, issued `issuedAt`. */
export function previewBill(tariff: TariffVersion, unitsWh: number, issuedAt: string) {
  return calculateBill({
    opening: { eventId: 'preview-opening', registerWh: 0, readAt: issuedAt },
    closing: { eventId: 'preview-closing', registerWh: unitsWh, readAt: issuedAt },
    tariff,
    arrearsPaise: 0,
    missedPeriods: 0,
    issuedAt,
  });
}

/** A published version back into editable text, for "edit a new version from this one". */
export function tariffToDraft(
  tariff: TariffVersion,
  nextVersion = tariff.version + 1,
): TariffDraft {
  const rupees = formatRupees;
  const kwh = formatKwh;
  const percent = formatPercent;
  return {
    version: nextVersion,
    effectiveFrom: tariff.effectiveFrom,
    mode: tariff.mode,
    slabs: tariff.slabs.map((s) => ({
      upToKwh: s.toWh === null ? '' : kwh(s.toWh),
      rate: rupees(s.ratePaisePerKwh),
    })),
    fixedCharge: rupees(tariff.fixedChargePaise),
    taxes: tariff.taxes.map((x) => ({
      name: x.name,
      percent: percent(x.basisPoints),
      base: x.base,
    })),
    miscCharges: tariff.miscCharges.map((m) => ({ name: m.name, amount: rupees(m.amountPaise) })),
    lateFee: rupees(tariff.lateFeePaise),
    missedReadingPenalty: rupees(tariff.missedReadingPenaltyPaise),
    dueDays: String(tariff.dueDays),
  };
}

/** A sensible starting point: the telescopic slabs common in Indian residential tariffs. */
export function starterDraft(today: string): TariffDraft {
  return {
    version: 1,
    effectiveFrom: today,
    mode: 'telescopic',
    slabs: [
      { upToKwh: '100', rate: '3.00' },
      { upToKwh: '300', rate: '5.00' },
      { upToKwh: '', rate: '7.50' },
    ],
    fixedCharge: '50.00',
    taxes: [{ name: 'Electricity duty', percent: '5', base: 'energy' }],
    miscCharges: [],
    lateFee: '100.00',
    missedReadingPenalty: '50.00',
    dueDays: '15',
  };
}
