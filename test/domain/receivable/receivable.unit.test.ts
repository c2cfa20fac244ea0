// Given/when/then specs for every receivable command and each rejection.

import { describe, expect, it } from 'vitest';
import { given } from '../../support/decider-spec.ts';
import {
  receivableDecider as decider,
  type ReceivableCommand,
  type ReceivableEvent,
} from '../../../src/domain/receivable/index.ts';

const now = '2026-03-20T10:00:00.000Z';
const metadata = { now, commandId: 'cmd-1', actor: 'admin-1' };

describe('ChargeBill', () => {
  it('charges a new bill', () => {
    given(decider)
      .when(charge('bill-1', 100_00))
      .then([charged('bill-1', 100_00)]);
  });

  it('is a no-op when the same bill is charged again', () => {
    given(decider, [charged('bill-1', 100_00)])
      .when(charge('bill-1', 100_00))
      .then([]);
  });

  it('rejects the same bill id with different terms', () => {
    given(decider, [charged('bill-1', 100_00)])
      .when(charge('bill-1', 120_00))
      .thenFails('BILL_CHARGE_MISMATCH');
  });

  it('settles a new bill from an existing credit balance', () => {
    given(decider, [paid('ref-1', 30_00, [], 30_00)])
      .when(charge('bill-1', 100_00))
      .then([charged('bill-1', 100_00, { settledFromCreditPaise: 30_00 })]);
  });

  it('settles at most the bill amount from credit', () => {
    given(decider, [paid('ref-1', 300_00, [], 300_00)])
      .when(charge('bill-1', 100_00))
      .then([charged('bill-1', 100_00, { settledFromCreditPaise: 100_00 })]);
  });

  it.each([
    ['fractional amount', { amountPaise: 10.5 }, 'INVALID_AMOUNT'],
    ['negative amount', { amountPaise: -1 }, 'INVALID_AMOUNT'],
    ['huge amount', { amountPaise: 2 ** 60 }, 'INVALID_AMOUNT'],
    ['empty bill id', { billId: ' ' }, 'INVALID_BILL'],
    ['bad period', { period: '2026-13' }, 'INVALID_BILL'],
    ['impossible due date', { dueDate: '2026-02-30' }, 'INVALID_DATE'],
    ['due date not a date', { dueDate: 'soon' }, 'INVALID_DATE'],
  ])('rejects a %s', (_name, patch, code) => {
    given(decider)
      .when({ ...charge('bill-1', 100_00), data: { ...charge('bill-1', 100_00).data, ...patch } })
      .thenFails(code);
  });
});

describe('RecordPayment', () => {
  it('allocates to the earliest-due open bill first and leaves a part payment owing', () => {
    given(decider, [
      charged('bill-late', 100_00),
      charged('bill-early', 80_00, { dueDate: '2026-03-10' }),
    ])
      .when(pay('ref-1', 150_00))
      .then([
        paid(
          'ref-1',
          150_00,
          [
            { billId: 'bill-early', amountPaise: 80_00 },
            { billId: 'bill-late', amountPaise: 70_00 },
          ],
          0,
        ),
      ]);
  });

  it('skips bills already settled', () => {
    given(decider, [
      charged('bill-1', 100_00, { dueDate: '2026-02-15' }),
      charged('bill-2', 100_00),
      paid('ref-1', 100_00, [{ billId: 'bill-1', amountPaise: 100_00 }], 0),
    ])
      .when(pay('ref-2', 30_00))
      .then([paid('ref-2', 30_00, [{ billId: 'bill-2', amountPaise: 30_00 }], 0)]);
  });

  it('leaves an over-payment as credit', () => {
    given(decider, [charged('bill-1', 100_00)])
      .when(pay('ref-1', 130_00))
      .then([paid('ref-1', 130_00, [{ billId: 'bill-1', amountPaise: 100_00 }], 30_00)]);
  });

  it('is idempotent by reference for the same amount', () => {
    given(decider, [charged('bill-1', 100_00), paid('ref-1', 40_00, [], 0)])
      .when(pay(' ref-1 ', 40_00))
      .then([]);
  });

  it('treats references named like object members as ordinary references', () => {
    given(decider)
      .when(pay('constructor', 10_00))
      .then([paid('constructor', 10_00, [], 10_00)]);
    given(decider, [paid('__proto__', 10_00, [], 10_00)])
      .when(pay('__proto__', 10_00))
      .then([]);
  });

  it('rejects a reused reference with a different amount', () => {
    given(decider, [charged('bill-1', 100_00), paid('ref-1', 40_00, [], 0)])
      .when(pay('ref-1', 41_00))
      .thenFails('PAYMENT_REFERENCE_REUSED');
  });

  it('records counter payments with their own references', () => {
    const cheque = pay('ref-2', 10_00, { method: 'cheque', methodReference: '004512' });
    const outcome = given(decider).when(cheque).outcome;
    expect(outcome).toMatchObject([
      { type: 'PaymentReceived', data: { method: 'cheque', methodReference: '004512' } },
    ]);
    const cash = pay('ref-3', 10_00, { method: 'cash', methodReference: null });
    expect(given(decider).when(cash).outcome).toHaveLength(1);
  });

  it.each([
    ['zero amount', { amountPaise: 0 }, 'INVALID_AMOUNT'],
    ['fractional amount', { amountPaise: 0.5 }, 'INVALID_AMOUNT'],
    ['empty reference', { paymentReference: '  ' }, 'INVALID_PAYMENT_REFERENCE'],
    ['overlong reference', { paymentReference: 'x'.repeat(101) }, 'INVALID_PAYMENT_REFERENCE'],
    ['unknown method', { method: 'barter' }, 'INVALID_PAYMENT_METHOD'],
    [
      'cash with a reference',
      { method: 'cash', methodReference: 'r1' },
      'INVALID_METHOD_REFERENCE',
    ],
    [
      'cheque without a number',
      { method: 'cheque', methodReference: null },
      'INVALID_METHOD_REFERENCE',
    ],
    [
      'cheque number of 5 digits',
      { method: 'cheque', methodReference: '12345' },
      'INVALID_METHOD_REFERENCE',
    ],
    [
      'short UPI reference',
      { method: 'upi', methodReference: '12345' },
      'INVALID_METHOD_REFERENCE',
    ],
    ['online without a provider id', { methodReference: null }, 'INVALID_METHOD_REFERENCE'],
    ['receipt in the future', { receivedAt: '2026-03-21T00:00:00.000Z' }, 'INVALID_TIMESTAMP'],
    ['receipt not a timestamp', { receivedAt: 'yesterday' }, 'INVALID_TIMESTAMP'],
    ['missing recorder', { recordedBy: '' }, 'MISSING_ACTOR'],
  ])('rejects a %s', (_name, patch, code) => {
    const base = pay('ref-1', 10_00);
    given(decider)
      .when({ ...base, data: { ...base.data, ...patch } } as ReceivableCommand)
      .thenFails(code);
  });
});

describe('ApplyLateFees', () => {
  it('applies one fee to each bill past due with an unpaid remainder', () => {
    given(decider, [
      charged('bill-1', 100_00, { dueDate: '2026-02-10' }),
      charged('bill-2', 100_00, { dueDate: '2026-03-10' }),
      charged('bill-3', 100_00, { dueDate: '2026-04-10' }),
      paid('ref-1', 60_00, [{ billId: 'bill-1', amountPaise: 60_00 }], 0),
    ])
      .when(lateFees('2026-03-15', 25_00))
      .then([
        lateFee('bill-1', 25_00, '2026-03-15', 40_00),
        lateFee('bill-2', 25_00, '2026-03-15', 100_00),
      ]);
  });

  it('never charges a second fee for the same bill', () => {
    given(decider, [
      charged('bill-1', 100_00, { dueDate: '2026-02-10' }),
      lateFee('bill-1', 25_00, '2026-03-01', 100_00),
    ])
      .when(lateFees('2026-03-15', 25_00))
      .then([]);
  });

  it('treats a bill due today as not yet overdue and a paid bill as settled', () => {
    given(decider, [
      charged('bill-1', 100_00, { dueDate: '2026-03-15' }),
      charged('bill-0', 50_00, { dueDate: '2026-01-15' }),
      paid('ref-1', 50_00, [{ billId: 'bill-0', amountPaise: 50_00 }], 0),
    ])
      .when(lateFees('2026-03-15', 25_00))
      .then([]);
  });

  it.each([
    ['bad date', { asOf: '2026-3-15' }, 'INVALID_DATE'],
    ['zero fee', { lateFeePaise: 0 }, 'INVALID_AMOUNT'],
    ['fractional fee', { lateFeePaise: 1.25 }, 'INVALID_AMOUNT'],
  ])('rejects a %s', (_name, patch, code) => {
    const base = lateFees('2026-03-15', 25_00);
    given(decider)
      .when({ ...base, data: { ...base.data, ...patch } })
      .thenFails(code);
  });
});

describe('ApplyAdjustment', () => {
  it('applies a credit note to the oldest bill and keeps the rest as credit', () => {
    given(decider, [charged('bill-1', 100_00)])
      .when(adjust(120_00, '  meter misread in February '))
      .then([
        {
          type: 'CreditApplied',
          data: {
            amountPaise: 120_00,
            reason: 'meter misread in February',
            approvedBy: 'admin-1',
            allocations: [{ billId: 'bill-1', amountPaise: 100_00 }],
            unallocatedPaise: 20_00,
            appliedAt: now,
          },
        },
      ]);
  });

  it.each([
    ['zero amount', { amountPaise: 0 }, 'INVALID_AMOUNT'],
    ['negative amount', { amountPaise: -100 }, 'INVALID_AMOUNT'],
    ['blank reason', { reason: '   ' }, 'INVALID_REASON'],
    ['overlong reason', { reason: 'x'.repeat(501) }, 'INVALID_REASON'],
    ['missing approver', { approvedBy: ' ' }, 'MISSING_ACTOR'],
  ])('rejects a %s', (_name, patch, code) => {
    const base = adjust(10_00, 'goodwill');
    given(decider)
      .when({ ...base, data: { ...base.data, ...patch } })
      .thenFails(code);
  });
});

// Fixtures

function charge(billId: string, amountPaise: number): ReceivableCommand & { type: 'ChargeBill' } {
  return {
    type: 'ChargeBill',
    data: { billId, period: '2026-02', amountPaise, dueDate: '2026-03-15' },
    metadata,
  };
}

function charged(
  billId: string,
  amountPaise: number,
  patch: { dueDate?: string; settledFromCreditPaise?: number } = {},
): ReceivableEvent {
  return {
    type: 'BillCharged',
    data: {
      billId,
      period: '2026-02',
      amountPaise,
      dueDate: patch.dueDate ?? '2026-03-15',
      settledFromCreditPaise: patch.settledFromCreditPaise ?? 0,
      chargedAt: now,
    },
  };
}

function pay(
  paymentReference: string,
  amountPaise: number,
  patch: Partial<{
    method: 'online' | 'cash' | 'cheque' | 'upi';
    methodReference: string | null;
  }> = {},
): ReceivableCommand & { type: 'RecordPayment' } {
  return {
    type: 'RecordPayment',
    data: {
      paymentReference,
      amountPaise,
      method: patch.method ?? 'online',
      methodReference: patch.methodReference === undefined ? 'pay_ABC123' : patch.methodReference,
      receivedAt: '2026-03-20T09:59:00.000Z',
      recordedBy: 'system:payments',
    },
    metadata,
  };
}

function paid(
  paymentReference: string,
  amountPaise: number,
  allocations: { billId: string; amountPaise: number }[],
  unallocatedPaise: number,
): ReceivableEvent {
  return {
    type: 'PaymentReceived',
    data: {
      paymentReference,
      amountPaise,
      method: 'online',
      methodReference: 'pay_ABC123',
      receivedAt: '2026-03-20T09:59:00.000Z',
      recordedBy: 'system:payments',
      allocations,
      unallocatedPaise,
    },
  };
}

function lateFees(
  asOf: string,
  lateFeePaise: number,
): ReceivableCommand & { type: 'ApplyLateFees' } {
  return { type: 'ApplyLateFees', data: { asOf, lateFeePaise }, metadata };
}

function lateFee(
  billId: string,
  lateFeePaise: number,
  asOf: string,
  overduePaise: number,
): ReceivableEvent {
  return {
    type: 'LateFeeApplied',
    data: { billId, lateFeePaise, asOf, overduePaise, appliedAt: now },
  };
}

function adjust(
  amountPaise: number,
  reason: string,
): ReceivableCommand & { type: 'ApplyAdjustment' } {
  return {
    type: 'ApplyAdjustment',
    data: { amountPaise, reason, approvedBy: 'admin-1' },
    metadata,
  };
}
