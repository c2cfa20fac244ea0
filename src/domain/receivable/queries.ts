// Pure questions asked of a folded receivable: balance, overdue bills, whether
// the property is a defaulter, and the FIFO allocation rule used when money
// comes in. Dates are calendar days (YYYY-MM-DD): a bill paid on its due date
// is on time, and "days overdue" counts whole days after the due date.

import type { Allocation, ReceivableBill, ReceivableState } from './events.ts';

const DAY_MS = 86_400_000;

/** Days since the Unix epoch for a YYYY-MM-DD string, or null if it is not a real date. */
function epochDay(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2025-02-30 over to March; a real date survives the round trip.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1) return null;
  if (back.getUTCDate() !== day) return null;
  return ms / DAY_MS;
}

export const isCalendarDate = (date: string): boolean => epochDay(date) !== null;

/** Whole days from `from` to `to` (negative when `to` is earlier). Both must be calendar dates. */
export function daysBetween(from: string, to: string): number {
  const a = epochDay(from);
  const b = epochDay(to);
  if (a === null || b === null) throw new RangeError(`not a calendar date: ${from} / ${to}`);
  return b - a;
}

/** Charges + late fees − payments − credits. Negative means the property is in credit. */
export const balanceOf = (state: ReceivableState): number => state.balancePaise;

/** Bills still owing something, oldest first (by due date, then charge order). */
export function openBills(state: ReceivableState): ReceivableBill[] {
  return state.bills
    .map((bill, index) => ({ bill, index }))
    .filter(({ bill }) => bill.remainingPaise > 0)
    .sort((a, b) => a.bill.dueDate.localeCompare(b.bill.dueDate) || a.index - b.index)
    .map(({ bill }) => bill);
}

export interface OverdueBill {
  billId: string;
  period: string;
  dueDate: string;
  remainingPaise: number;
  daysOverdue: number;
  lateFeeApplied: boolean;
}

/** Open bills whose due date is before `asOf` (a YYYY-MM-DD date), oldest first. */
export function overdueBills(state: ReceivableState, asOf: string): OverdueBill[] {
  return openBills(state)
    .filter((bill) => bill.dueDate < asOf)
    .map((bill) => ({
      billId: bill.billId,
      period: bill.period,
      dueDate: bill.dueDate,
      remainingPaise: bill.remainingPaise,
      daysOverdue: daysBetween(bill.dueDate, asOf),
      lateFeeApplied: bill.lateFeeApplied,
    }));
}

export interface DefaulterStatus {
  defaulter: boolean;
  /** Sum still owed on bills past their due date. */
  overduePaise: number;
  /** Age of the oldest overdue bill in days; 0 when nothing is overdue. */
  oldestOverdueDays: number;
  oldestOverdueBillId: string | null;
}

/** A defaulter is a property with any amount unpaid past its due date. */
export function isDefaulter(state: ReceivableState, asOf: string): DefaulterStatus {
  const overdue = overdueBills(state, asOf);
  const oldest = overdue.reduce<OverdueBill | null>(
    (worst, bill) => (worst === null || bill.daysOverdue > worst.daysOverdue ? bill : worst),
    null,
  );
  return {
    defaulter: overdue.length > 0,
    overduePaise: overdue.reduce((sum, bill) => sum + bill.remainingPaise, 0),
    oldestOverdueDays: oldest?.daysOverdue ?? 0,
    oldestOverdueBillId: oldest?.billId ?? null,
  };
}

export interface AllocationResult {
  allocations: Allocation[];
  /** Left over once every open bill is settled: becomes credit. */
  unallocatedPaise: number;
}

/** FIFO: money settles the oldest open bills first; what is left over is credit. */
export function allocate(state: ReceivableState, amountPaise: number): AllocationResult {
  let left = amountPaise;
  const allocations: Allocation[] = [];
  for (const bill of openBills(state)) {
    if (left === 0) break;
    const paid = Math.min(left, bill.remainingPaise);
    allocations.push({ billId: bill.billId, amountPaise: paid });
    left -= paid;
  }
  return { allocations, unallocatedPaise: left };
}
