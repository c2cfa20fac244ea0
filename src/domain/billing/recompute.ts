// Auditing a bill: rebuild the calculation's inputs from the `BillIssued`
// event alone (readings, arrears, missed periods, issue time) plus the tariff
// version it names, run the same pure calculation, and compare to the paisa.

import { DomainError } from '../shared/decider.ts';
import type { TariffVersion } from '../tariff/events.ts';
import { calculateBill, type BillInputs, type BillLine } from './calculate-bill.ts';
import type { IssuedBill } from './events.ts';

export function billInputsOf(bill: IssuedBill, tariff: TariffVersion): BillInputs {
  return {
    opening: {
      eventId: bill.openingReadingEventId,
      registerWh: bill.openingWh,
      readAt: bill.openingReadAt,
    },
    closing: {
      eventId: bill.closingReadingEventId,
      registerWh: bill.closingWh,
      readAt: bill.closingReadAt,
    },
    tariff,
    arrearsPaise: bill.arrearsPaise,
    missedPeriods: bill.missedPeriods,
    issuedAt: bill.issuedAt,
  };
}

// Field by field: stored JSON (jsonb) does not keep key order.
const sameLine = (a: BillLine, b: BillLine): boolean =>
  a.code === b.code &&
  a.label === b.label &&
  a.quantityWh === b.quantityWh &&
  a.ratePaisePerKwh === b.ratePaisePerKwh &&
  a.amountPaise === b.amountPaise;

export type RecomputeResult = { ok: true } | { ok: false; reason: string };

/** Whether the bill is exactly what its inputs and tariff version give. */
export function recomputeBill(bill: IssuedBill, tariff: TariffVersion): RecomputeResult {
  if (tariff.version !== bill.tariffVersion)
    return { ok: false, reason: `bill names version ${bill.tariffVersion}, got ${tariff.version}` };
  const again = calculateBill(billInputsOf(bill, tariff));
  if (again instanceof DomainError) return { ok: false, reason: `${again.code}: ${again.message}` };
  const differs = (what: string): RecomputeResult => ({
    ok: false,
    reason: `${what} differ on recomputation`,
  });
  if (again.units !== bill.units) return differs('units');
  if (
    again.lines.length !== bill.lines.length ||
    again.lines.some((line, i) => !sameLine(line, bill.lines[i]!))
  )
    return differs('lines');
  if (again.totalPaise !== bill.totalPaise) return differs('totals');
  if (again.dueDate !== bill.dueDate) return differs('due dates');
  if (bill.chargesPaise !== bill.totalPaise - bill.arrearsPaise) return differs('charges');
  return { ok: true };
}
