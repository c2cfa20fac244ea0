// Receivable streams (`receivable-<propertyId>`): what one property owes.
// Bills are charged, payments and credit notes are allocated to the oldest
// open bills first, late fees are added to overdue bills. Allocations are
// decided once and recorded in the event, so a projection or an auditor
// replays them without re-running the allocation rule.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

export const paymentMethods = ['online', 'cash', 'cheque', 'upi'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

const positivePaise = z.number().int().positive();
const nonNegativePaise = z.number().int().nonnegative();
/** Calendar date (YYYY-MM-DD): due dates and late-fee runs are per day, not per instant. */
const isoDate = z.iso.date();
const instant = z.iso.datetime({ offset: true });
export const isInstant = (value: string): boolean => instant.safeParse(value).success;

const allocationSchema = z.object({ billId: z.string(), amountPaise: positivePaise });
export type Allocation = z.infer<typeof allocationSchema>;

export const receivableEvents = defineEvents(
  'receivable',
  'Accounts receivable of one property: bills charged, payments, late fees and credit notes, in integer paise.',
  {
    BillCharged: z.object({
      billId: z.string(),
      /** Billing period, YYYY-MM. */
      period: z.string().regex(/^\d{4}-\d{2}$/),
      /** The bill's own charges; arrears shown on the bill are already owed here. */
      amountPaise: nonNegativePaise,
      dueDate: isoDate,
      /** Part of this bill settled at once from an existing credit balance. */
      settledFromCreditPaise: nonNegativePaise,
      chargedAt: instant,
    }),
    PaymentReceived: z.object({
      /** Idempotency key of the payment within this property's receivable. */
      paymentReference: z.string(),
      amountPaise: positivePaise,
      method: z.enum(paymentMethods),
      /** Provider reference, cheque number or UPI reference; null for cash. */
      methodReference: z.string().nullable(),
      receivedAt: instant,
      recordedBy: z.string(),
      allocations: z.array(allocationSchema),
      /** What was left after settling every open bill: it becomes credit. */
      unallocatedPaise: nonNegativePaise,
    }),
    LateFeeApplied: z.object({
      billId: z.string(),
      lateFeePaise: positivePaise,
      asOf: isoDate,
      /** Unpaid remainder of the bill when the fee was applied. */
      overduePaise: positivePaise,
      appliedAt: instant,
    }),
    CreditApplied: z.object({
      amountPaise: positivePaise,
      reason: z.string(),
      approvedBy: z.string(),
      allocations: z.array(allocationSchema),
      unallocatedPaise: nonNegativePaise,
      appliedAt: instant,
    }),
  },
);

export type ReceivableEvent = EventsOf<typeof receivableEvents>;

export interface ReceivableBill {
  billId: string;
  period: string;
  dueDate: string;
  amountPaise: number;
  /** Zero until a late fee is applied; at most one per bill. */
  lateFeePaise: number;
  lateFeeApplied: boolean;
  /** Still owed on this bill (charge + late fee − allocations). */
  remainingPaise: number;
}

export interface ReceivableTotals {
  chargedPaise: number;
  lateFeesPaise: number;
  paidPaise: number;
  creditedPaise: number;
}

export interface ReceivableState {
  /** `empty` until the first event: a property nobody has billed or paid for yet. */
  status: 'empty' | 'active';
  /** Charges + late fees − payments − credits; negative means the property is in credit. */
  balancePaise: number;
  /** Money received but not yet allocated to any bill (never negative). */
  creditPaise: number;
  /** Every bill ever charged, in charge order; settled ones keep `remainingPaise` 0. */
  bills: ReceivableBill[];
  /** Payment reference → amount, for idempotency. */
  payments: Record<string, number>;
  totals: ReceivableTotals;
}

export const initialReceivableState: ReceivableState = {
  status: 'empty',
  balancePaise: 0,
  creditPaise: 0,
  bills: [],
  payments: {},
  totals: { chargedPaise: 0, lateFeesPaise: 0, paidPaise: 0, creditedPaise: 0 },
};

export const receivableStream = (propertyId: string): string =>
  streamName(receivableEvents.category, propertyId);

function applyAllocations(bills: ReceivableBill[], allocations: Allocation[]): ReceivableBill[] {
  const byBill = new Map(allocations.map((a) => [a.billId, a.amountPaise]));
  return bills.map((bill) => {
    const paid = byBill.get(bill.billId);
    return paid === undefined ? bill : { ...bill, remainingPaise: bill.remainingPaise - paid };
  });
}

export function evolveReceivable(state: ReceivableState, event: ReceivableEvent): ReceivableState {
  const totals = state.totals;
  switch (event.type) {
    case 'BillCharged': {
      const { billId, period, dueDate, amountPaise, settledFromCreditPaise } = event.data;
      const bill: ReceivableBill = {
        billId,
        period,
        dueDate,
        amountPaise,
        lateFeePaise: 0,
        lateFeeApplied: false,
        remainingPaise: amountPaise - settledFromCreditPaise,
      };
      return {
        ...state,
        status: 'active',
        balancePaise: state.balancePaise + amountPaise,
        creditPaise: state.creditPaise - settledFromCreditPaise,
        bills: [...state.bills, bill],
        totals: { ...totals, chargedPaise: totals.chargedPaise + amountPaise },
      };
    }
    case 'PaymentReceived': {
      const { paymentReference, amountPaise, allocations, unallocatedPaise } = event.data;
      return {
        ...state,
        status: 'active',
        balancePaise: state.balancePaise - amountPaise,
        creditPaise: state.creditPaise + unallocatedPaise,
        bills: applyAllocations(state.bills, allocations),
        payments: { ...state.payments, [paymentReference]: amountPaise },
        totals: { ...totals, paidPaise: totals.paidPaise + amountPaise },
      };
    }
    case 'LateFeeApplied': {
      const { billId, lateFeePaise } = event.data;
      return {
        ...state,
        balancePaise: state.balancePaise + lateFeePaise,
        bills: state.bills.map((bill) =>
          bill.billId === billId
            ? {
                ...bill,
                lateFeePaise,
                lateFeeApplied: true,
                remainingPaise: bill.remainingPaise + lateFeePaise,
              }
            : bill,
        ),
        totals: { ...totals, lateFeesPaise: totals.lateFeesPaise + lateFeePaise },
      };
    }
    case 'CreditApplied': {
      const { amountPaise, allocations, unallocatedPaise } = event.data;
      return {
        ...state,
        status: 'active',
        balancePaise: state.balancePaise - amountPaise,
        creditPaise: state.creditPaise + unallocatedPaise,
        bills: applyAllocations(state.bills, allocations),
        totals: { ...totals, creditedPaise: totals.creditedPaise + amountPaise },
      };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
