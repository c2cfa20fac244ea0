// The bill calculation: ONE pure function from two signed readings, a tariff
// version and the arrears to an itemised bill in integer paise. Bills are
// issued from it and auditors recompute every bill with it, so the same inputs
// must always give the same lines, to the paisa (DESIGN.md §5).

import { DomainError } from '../shared/decider.ts';
import type { TariffVersion } from '../tariff/events.ts';
import { isIsoDate, validateTariff } from '../tariff/validate.ts';
import {
  energyChargePaise,
  formatKwh,
  formatPercent,
  formatRupees,
  percentagePaise,
  toSafeInteger,
} from './money.ts';

export interface ReadingRef {
  /** Id of the signed `ReadingRecorded` event in the meter's stream. */
  eventId: string;
  registerWh: number;
  readAt: string;
}

export interface BillInputs {
  opening: ReadingRef;
  closing: ReadingRef;
  tariff: TariffVersion;
  /** Balance brought forward from the receivable; negative is a credit. */
  arrearsPaise: number;
  /** Consecutive periods missed before this read; each adds the missed-reading penalty. */
  missedPeriods: number;
  /** ISO instant the bill is issued; the due date counts from its date as written (UTC for `Z`). */
  issuedAt: string;
}

export interface BillLine {
  code: string;
  label: string;
  quantityWh: number | null;
  ratePaisePerKwh: number | null;
  amountPaise: number;
}

export interface CalculatedBill {
  units: number;
  lines: BillLine[];
  totalPaise: number;
  tariffVersion: number;
  /** YYYY-MM-DD */
  dueDate: string;
}

export type BillCalculationCode =
  | 'INVALID_TARIFF'
  | 'INVALID_READING'
  | 'READINGS_OUT_OF_ORDER'
  | 'REGISTER_WENT_BACKWARDS'
  | 'INVALID_ARREARS'
  | 'INVALID_MISSED_PERIODS'
  | 'INVALID_ISSUE_DATE'
  | 'AMOUNT_OUT_OF_RANGE';

export type BillCalculationError = DomainError<BillCalculationCode>;

type Draft = Omit<BillLine, 'amountPaise'> & { amount: bigint };

/** Energy lines: one per slab used (telescopic) or one at the reached slab's rate (volume). */
function energyLines(units: number, tariff: TariffVersion): Draft[] {
  if (units === 0) return [];
  if (tariff.mode === 'volume') {
    // Slabs cover (fromWh, toWh]; zero and the first slab's top both fall in slab 1.
    const slab = tariff.slabs.find((s) => s.toWh === null || units <= s.toWh)!;
    return [
      {
        code: 'ENERGY',
        label: `Energy ${formatKwh(units)} kWh @ ₹${formatRupees(slab.ratePaisePerKwh)}/kWh`,
        quantityWh: units,
        ratePaisePerKwh: slab.ratePaisePerKwh,
        amount: energyChargePaise(units, slab.ratePaisePerKwh),
      },
    ];
  }
  const lines: Draft[] = [];
  for (const [i, slab] of tariff.slabs.entries()) {
    const top = slab.toWh === null ? units : Math.min(units, slab.toWh);
    const part = top - slab.fromWh;
    if (part <= 0) break;
    const range =
      slab.toWh === null
        ? `above ${formatKwh(slab.fromWh)}`
        : `${formatKwh(slab.fromWh)}–${formatKwh(slab.toWh)}`;
    lines.push({
      code: `ENERGY_${i + 1}`,
      label: `Energy slab ${range} kWh: ${formatKwh(part)} kWh @ ₹${formatRupees(slab.ratePaisePerKwh)}/kWh`,
      quantityWh: part,
      ratePaisePerKwh: slab.ratePaisePerKwh,
      amount: energyChargePaise(part, slab.ratePaisePerKwh),
    });
  }
  return lines;
}

const flat = (code: string, label: string, amount: bigint): Draft => ({
  code,
  label,
  quantityWh: null,
  ratePaisePerKwh: null,
  amount,
});

function addDays(isoDate: string, days: number): string {
  const at = new Date(`${isoDate}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

function checkInputs(inputs: BillInputs): BillCalculationError | null {
  const { opening, closing, tariff } = inputs;
  const invalid = validateTariff(tariff);
  if (invalid) return new DomainError('INVALID_TARIFF', invalid.message);
  for (const r of [opening, closing]) {
    if (
      !Number.isSafeInteger(r.registerWh) ||
      r.registerWh < 0 ||
      Number.isNaN(Date.parse(r.readAt))
    )
      return new DomainError('INVALID_READING', `reading ${r.eventId} is malformed`);
  }
  if (Date.parse(closing.readAt) < Date.parse(opening.readAt))
    return new DomainError('READINGS_OUT_OF_ORDER', 'closing reading is older than opening');
  if (closing.registerWh < opening.registerWh)
    return new DomainError('REGISTER_WENT_BACKWARDS', 'closing register is below opening');
  if (!Number.isSafeInteger(inputs.arrearsPaise))
    return new DomainError('INVALID_ARREARS', 'arrears must be an integer of paise');
  if (!Number.isSafeInteger(inputs.missedPeriods) || inputs.missedPeriods < 0)
    return new DomainError('INVALID_MISSED_PERIODS', 'missed periods must be a count');
  if (Number.isNaN(Date.parse(inputs.issuedAt)) || !isIsoDate(inputs.issuedAt.slice(0, 10)))
    return new DomainError('INVALID_ISSUE_DATE', 'issuedAt must be an ISO instant');
  return null;
}

export function calculateBill(inputs: BillInputs): CalculatedBill | BillCalculationError {
  const invalid = checkInputs(inputs);
  if (invalid) return invalid;
  const { tariff } = inputs;
  const units = inputs.closing.registerWh - inputs.opening.registerWh;

  const energy = energyLines(units, tariff);
  const energyTotal = energy.reduce((sum, l) => sum + l.amount, 0n);
  const fixed = BigInt(tariff.fixedChargePaise);
  const bases = new Map<string, bigint>([
    ['energy', energyTotal],
    ['energy+fixed', energyTotal + fixed],
    ...tariff.miscCharges.map((m): [string, bigint] => [m.name, BigInt(m.amountPaise)]),
  ]);

  const drafts: Draft[] = [...energy];
  if (fixed > 0n) drafts.push(flat('FIXED', 'Fixed charge', fixed));
  for (const m of tariff.miscCharges)
    drafts.push(flat(`MISC:${m.name}`, m.name, BigInt(m.amountPaise)));
  for (const t of tariff.taxes) {
    const pct = `${formatPercent(t.basisPoints)}%`;
    drafts.push(
      flat(
        `TAX:${t.name}`,
        `${t.name} ${pct} of ${t.base}`,
        percentagePaise(bases.get(t.base)!, t.basisPoints),
      ),
    );
  }
  if (inputs.missedPeriods > 0 && tariff.missedReadingPenaltyPaise > 0) {
    const penalty = BigInt(tariff.missedReadingPenaltyPaise) * BigInt(inputs.missedPeriods);
    drafts.push(
      flat(
        'PENALTY',
        `Missed-reading penalty (${inputs.missedPeriods} missed period${inputs.missedPeriods === 1 ? '' : 's'})`,
        penalty,
      ),
    );
  }
  if (inputs.arrearsPaise !== 0)
    drafts.push(flat('ARREARS', 'Balance brought forward', BigInt(inputs.arrearsPaise)));

  const lines: BillLine[] = [];
  let total = 0n;
  for (const { amount, ...rest } of drafts) {
    const amountPaise = toSafeInteger(amount);
    if (amountPaise === null)
      return new DomainError('AMOUNT_OUT_OF_RANGE', `${rest.code} does not fit in paise`);
    lines.push({ ...rest, amountPaise });
    total += amount;
  }
  const totalPaise = toSafeInteger(total);
  if (totalPaise === null) return new DomainError('AMOUNT_OUT_OF_RANGE', 'total does not fit');
  return {
    units,
    lines,
    totalPaise,
    tariffVersion: tariff.version,
    dueDate: addDays(inputs.issuedAt.slice(0, 10), tariff.dueDays),
  };
}
