// A bill's status for the customer, from the payments allocated to it: paid,
// part-paid, due, or overdue once its due date has passed. Integer paise only.

import type { Bill, Payment } from './portal-api.ts';

export type BillStatus = 'paid' | 'part-paid' | 'due' | 'overdue';

/** Paise allocated to each bill across all payments and credits. */
export function allocatedByBill(payments: readonly Payment[]): Map<string, number> {
  const allocated = new Map<string, number>();
  for (const payment of payments)
    for (const a of payment.allocations)
      allocated.set(a.billId, (allocated.get(a.billId) ?? 0) + a.amountPaise);
  return allocated;
}

/** `today` is YYYY-MM-DD; a bill due today is not overdue yet. */
export function billStatus(
  bill: Pick<Bill, 'billId' | 'totalPaise' | 'dueDate'>,
  allocated: ReadonlyMap<string, number>,
  today: string,
): BillStatus {
  const paid = allocated.get(bill.billId) ?? 0;
  if (paid >= bill.totalPaise) return 'paid';
  if (today > bill.dueDate) return 'overdue';
  return paid > 0 ? 'part-paid' : 'due';
}
