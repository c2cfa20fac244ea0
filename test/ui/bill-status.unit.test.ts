import { describe, expect, it } from 'vitest';
import { allocatedByBill, billStatus } from '../../ui/src/lib/bill-status.ts';
import type { Payment } from '../../ui/src/lib/portal-api.ts';

describe('billStatus', () => {
  const bill = { billId: 'b-1', totalPaise: 10_000, dueDate: '2026-12-12' };

  it('is paid once allocations cover the total, even after the due date', () => {
    const allocated = allocatedByBill([payment([['b-1', 6_000]]), payment([['b-1', 4_000]])]);
    expect(billStatus(bill, allocated, '2027-01-01')).toBe('paid');
  });

  it('is part-paid or due before the due date, overdue after it, due on the day', () => {
    expect(billStatus(bill, allocatedByBill([payment([['b-1', 1]])]), '2026-12-01')).toBe(
      'part-paid',
    );
    expect(billStatus(bill, new Map(), '2026-12-12')).toBe('due');
    expect(billStatus(bill, new Map(), '2026-12-13')).toBe('overdue');
  });

  it('counts only what was allocated to this bill', () => {
    const allocated = allocatedByBill([payment([['b-2', 50_000]])]);
    expect(billStatus(bill, allocated, '2026-12-01')).toBe('due');
  });

  it('treats a zero bill as paid', () => {
    expect(billStatus({ ...bill, totalPaise: 0 }, new Map(), '2026-12-20')).toBe('paid');
  });
});

function payment(allocations: [string, number][]): Payment {
  return {
    kind: 'payment',
    reference: null,
    amountPaise: allocations.reduce((sum, [, amount]) => sum + amount, 0),
    method: 'cash',
    methodReference: null,
    reason: null,
    unallocatedPaise: 0,
    allocations: allocations.map(([billId, amountPaise]) => ({ billId, amountPaise })),
    at: '2026-12-01T10:00:00Z',
  };
}
