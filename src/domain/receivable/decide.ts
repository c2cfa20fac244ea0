// Commands on a property's receivable and the rules that turn them into
// events: a bill is charged once, a payment reference is honoured once,
// money settles the oldest bills first, a late fee is applied once per
// overdue bill, and credit notes need a reason and an approver.

import { DomainError, type Command } from '../shared/decider.ts';
import {
  isInstant,
  paymentMethods,
  type PaymentMethod,
  type ReceivableEvent,
  type ReceivableState,
} from './events.ts';
import { allocate, isCalendarDate, overdueBills } from './queries.ts';

export type ReceivableErrorCode =
  | 'INVALID_AMOUNT'
  | 'INVALID_BILL'
  | 'BILL_CHARGE_MISMATCH'
  | 'INVALID_PAYMENT_REFERENCE'
  | 'INVALID_PAYMENT_METHOD'
  | 'INVALID_METHOD_REFERENCE'
  | 'INVALID_TIMESTAMP'
  | 'PAYMENT_REFERENCE_REUSED'
  | 'INVALID_DATE'
  | 'INVALID_REASON'
  | 'MISSING_ACTOR';

export type ReceivableError = DomainError<ReceivableErrorCode>;

/**
 * Upper bound for any single amount (₹1,000 crore): keeps every running sum
 * far inside the safe-integer range, so paise arithmetic stays exact.
 */
export const MAX_AMOUNT_PAISE = 1_000_000_000_000;
export const MAX_REASON_LENGTH = 500;
const MAX_REFERENCE_LENGTH = 100;

export type ChargeBill = Command<
  'ChargeBill',
  { billId: string; period: string; amountPaise: number; dueDate: string }
>;
export type RecordPayment = Command<
  'RecordPayment',
  {
    paymentReference: string;
    amountPaise: number;
    method: PaymentMethod;
    methodReference: string | null;
    receivedAt: string;
    recordedBy: string;
  }
>;
export type ApplyLateFees = Command<'ApplyLateFees', { asOf: string; lateFeePaise: number }>;
export type ApplyAdjustment = Command<
  'ApplyAdjustment',
  { amountPaise: number; reason: string; approvedBy: string }
>;
export type ReceivableCommand = ChargeBill | RecordPayment | ApplyLateFees | ApplyAdjustment;

const fail = (code: ReceivableErrorCode, message: string): ReceivableError =>
  new DomainError(code, message);

const isAmount = (value: number, allowZero = false): boolean =>
  Number.isSafeInteger(value) && value <= MAX_AMOUNT_PAISE && (allowZero ? value >= 0 : value > 0);

/** What each method's own reference looks like (null for cash: the receipt is the payment reference). */
const methodReferencePatterns: Record<Exclude<PaymentMethod, 'cash'>, RegExp> = {
  // Gateway payment ids (e.g. Razorpay `pay_…`).
  online: /^[A-Za-z0-9_-]{1,64}$/,
  // CTS-2010 cheques carry a 6-digit number.
  cheque: /^\d{6}$/,
  // 12-digit UTR/RRN, or a PSP transaction id of up to 35 characters.
  upi: /^[A-Za-z0-9]{12,35}$/,
};

function chargeBill(
  command: ChargeBill,
  state: ReceivableState,
): ReceivableEvent[] | ReceivableError {
  const { billId, period, amountPaise, dueDate } = command.data;
  if (billId.trim() === '') return fail('INVALID_BILL', 'bill id is empty');
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period))
    return fail('INVALID_BILL', `period ${period} is not YYYY-MM`);
  if (!isAmount(amountPaise, true))
    return fail('INVALID_AMOUNT', `bill amount ${amountPaise} is not a whole number of paise`);
  if (!isCalendarDate(dueDate)) return fail('INVALID_DATE', `due date ${dueDate} is not a date`);

  const existing = state.bills.find((bill) => bill.billId === billId);
  if (existing) {
    const same =
      existing.amountPaise === amountPaise &&
      existing.period === period &&
      existing.dueDate === dueDate;
    // A repeated charge of the same bill is a retry; a different one is a bug upstream.
    return same
      ? []
      : fail('BILL_CHARGE_MISMATCH', `bill ${billId} was already charged with other terms`);
  }
  const settledFromCreditPaise = Math.min(state.creditPaise, amountPaise);
  return [
    {
      type: 'BillCharged',
      data: {
        billId,
        period,
        amountPaise,
        dueDate,
        settledFromCreditPaise,
        chargedAt: command.metadata.now,
      },
    },
  ];
}

function recordPayment(
  command: RecordPayment,
  state: ReceivableState,
): ReceivableEvent[] | ReceivableError {
  const { amountPaise, method, methodReference, receivedAt, recordedBy } = command.data;
  const paymentReference = command.data.paymentReference.trim();
  if (paymentReference === '' || paymentReference.length > MAX_REFERENCE_LENGTH)
    return fail('INVALID_PAYMENT_REFERENCE', 'payment reference must be 1-100 characters');
  if (!isAmount(amountPaise))
    return fail('INVALID_AMOUNT', `payment ${amountPaise} is not a positive whole number of paise`);
  if (!paymentMethods.includes(method))
    return fail('INVALID_PAYMENT_METHOD', `unknown payment method ${String(method)}`);
  if (
    method === 'cash'
      ? methodReference !== null
      : !methodReferencePatterns[method].test(methodReference ?? '')
  )
    return fail('INVALID_METHOD_REFERENCE', `${method} payment reference is missing or malformed`);
  if (!isInstant(receivedAt) || Date.parse(receivedAt) > Date.parse(command.metadata.now))
    return fail('INVALID_TIMESTAMP', `receivedAt ${receivedAt} is not a past instant`);
  if (recordedBy.trim() === '') return fail('MISSING_ACTOR', 'recordedBy is empty');

  // hasOwn: a reference such as `constructor` must not find Object.prototype's member.
  const previous = Object.hasOwn(state.payments, paymentReference)
    ? state.payments[paymentReference]
    : undefined;
  if (previous !== undefined) {
    return previous === amountPaise
      ? []
      : fail(
          'PAYMENT_REFERENCE_REUSED',
          `payment ${paymentReference} was already recorded for ${previous} paise`,
        );
  }
  const { allocations, unallocatedPaise } = allocate(state, amountPaise);
  return [
    {
      type: 'PaymentReceived',
      data: {
        paymentReference,
        amountPaise,
        method,
        methodReference,
        receivedAt,
        recordedBy,
        allocations,
        unallocatedPaise,
      },
    },
  ];
}

function applyLateFees(
  command: ApplyLateFees,
  state: ReceivableState,
): ReceivableEvent[] | ReceivableError {
  const { asOf, lateFeePaise } = command.data;
  if (!isCalendarDate(asOf)) return fail('INVALID_DATE', `asOf ${asOf} is not a date`);
  if (!isAmount(lateFeePaise))
    return fail(
      'INVALID_AMOUNT',
      `late fee ${lateFeePaise} is not a positive whole number of paise`,
    );
  return overdueBills(state, asOf)
    .filter((bill) => !bill.lateFeeApplied)
    .map((bill) => ({
      type: 'LateFeeApplied' as const,
      data: {
        billId: bill.billId,
        lateFeePaise,
        asOf,
        overduePaise: bill.remainingPaise,
        appliedAt: command.metadata.now,
      },
    }));
}

function applyAdjustment(
  command: ApplyAdjustment,
  state: ReceivableState,
): ReceivableEvent[] | ReceivableError {
  const { amountPaise, approvedBy } = command.data;
  const reason = command.data.reason.trim();
  if (!isAmount(amountPaise))
    return fail('INVALID_AMOUNT', `credit ${amountPaise} is not a positive whole number of paise`);
  if (reason === '' || reason.length > MAX_REASON_LENGTH)
    return fail(
      'INVALID_REASON',
      `a credit note needs a reason of 1-${MAX_REASON_LENGTH} characters`,
    );
  if (approvedBy.trim() === '') return fail('MISSING_ACTOR', 'approvedBy is empty');
  const { allocations, unallocatedPaise } = allocate(state, amountPaise);
  return [
    {
      type: 'CreditApplied',
      data: {
        amountPaise,
        reason,
        approvedBy,
        allocations,
        unallocatedPaise,
        appliedAt: command.metadata.now,
      },
    },
  ];
}

export function decideReceivable(
  command: ReceivableCommand,
  state: ReceivableState,
): ReceivableEvent[] | ReceivableError {
  switch (command.type) {
    case 'ChargeBill':
      return chargeBill(command, state);
    case 'RecordPayment':
      return recordPayment(command, state);
    case 'ApplyLateFees':
      return applyLateFees(command, state);
    case 'ApplyAdjustment':
      return applyAdjustment(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}
