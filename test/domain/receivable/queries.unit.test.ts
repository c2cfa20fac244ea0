// The pure queries over a folded receivable: balance, overdue bills, defaulters.

import { describe, expect, it } from 'vitest';
import {
  balanceOf,
  daysBetween,
  evolveReceivable,
  initialReceivableState,
  isCalendarDate,
  isDefaulter,
  overdueBills,
  type ReceivableEvent,
} from '../../../src/domain/receivable/index.ts';

describe('receivable queries', () => {
  const history: ReceivableEvent[] = [
    charged('bill-jan', 100_00, '2026-02-15'),
    charged('bill-feb', 200_00, '2026-03-15'),
    charged('bill-mar', 300_00, '2026-04-15'),
    {
      type: 'PaymentReceived',
      data: {
        paymentReference: 'ref-1',
        amountPaise: 150_00,
        method: 'upi',
        methodReference: '123456789012',
        receivedAt: '2026-03-01T00:00:00.000Z',
        recordedBy: 'admin-1',
        allocations: [
          { billId: 'bill-jan', amountPaise: 100_00 },
          { billId: 'bill-feb', amountPaise: 50_00 },
        ],
        unallocatedPaise: 0,
      },
    },
  ];
  const state = history.reduce(evolveReceivable, initialReceivableState);

  it('balance is charges minus payments', () => {
    expect(balanceOf(state)).toBe(100_00 + 200_00 + 300_00 - 150_00);
    expect(state.totals).toEqual({
      chargedPaise: 600_00,
      lateFeesPaise: 0,
      paidPaise: 150_00,
      creditedPaise: 0,
    });
  });

  it('lists only open bills past their due date, with their age', () => {
    expect(overdueBills(state, '2026-03-15')).toEqual([]);
    expect(overdueBills(state, '2026-03-20')).toEqual([
      {
        billId: 'bill-feb',
        period: '2026-02',
        dueDate: '2026-03-15',
        remainingPaise: 150_00,
        daysOverdue: 5,
        lateFeeApplied: false,
      },
    ]);
  });

  it('reports a defaulter with the overdue amount and the oldest age', () => {
    expect(isDefaulter(state, '2026-04-20')).toEqual({
      defaulter: true,
      overduePaise: 150_00 + 300_00,
      oldestOverdueDays: 36,
      oldestOverdueBillId: 'bill-feb',
    });
    expect(isDefaulter(state, '2026-03-01')).toEqual({
      defaulter: false,
      overduePaise: 0,
      oldestOverdueDays: 0,
      oldestOverdueBillId: null,
    });
  });

  it('a property in credit has a negative balance and is no defaulter', () => {
    const inCredit = evolveReceivable(state, {
      type: 'CreditApplied',
      data: {
        amountPaise: 500_00,
        reason: 'refund of overcharge',
        approvedBy: 'admin-1',
        allocations: [
          { billId: 'bill-feb', amountPaise: 150_00 },
          { billId: 'bill-mar', amountPaise: 300_00 },
        ],
        unallocatedPaise: 50_00,
        appliedAt: '2026-04-01T00:00:00.000Z',
      },
    });
    expect(balanceOf(inCredit)).toBe(-50_00);
    expect(inCredit.creditPaise).toBe(50_00);
    expect(isDefaulter(inCredit, '2027-01-01').defaulter).toBe(false);
  });

  it('counts days across month ends and leap days, and rejects impossible dates', () => {
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysBetween('2026-03-01', '2026-02-28')).toBe(-1);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-04-31')).toBe(false);
    expect(() => daysBetween('2026-02-29', '2026-03-01')).toThrow(RangeError);
  });
});

// Fixtures

function charged(billId: string, amountPaise: number, dueDate: string): ReceivableEvent {
  return {
    type: 'BillCharged',
    data: {
      billId,
      period: `${dueDate.slice(0, 4)}-${String(Number(dueDate.slice(5, 7)) - 1).padStart(2, '0')}`,
      amountPaise,
      dueDate,
      settledFromCreditPaise: 0,
      chargedAt: '2026-01-01T00:00:00.000Z',
    },
  };
}
