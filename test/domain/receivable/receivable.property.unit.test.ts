// Property-based: whatever sequence of charges, payments, late-fee runs and
// credit notes arrives (duplicates and invalid ones included), the receivable
// keeps its books: balance = charges + late fees − payments − credits, every
// amount is a whole number of paise, a bill gets at most one late fee, and a
// payment reference is honoured once. Every event matches its catalog schema.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/domain/shared/decider.ts';
import {
  receivableDecider as decider,
  receivableEvents,
  type ReceivableCommand,
  type ReceivableEvent,
  type ReceivableState,
} from '../../../src/domain/receivable/index.ts';

const metadata = { now: '2026-06-30T12:00:00.000Z', commandId: 'c', actor: 'admin-1' };
const dates = ['2026-01-15', '2026-02-15', '2026-03-15', '2026-04-15', '2026-05-15', '2026-06-15'];

// Mostly valid amounts, sometimes zero, negative or fractional ones that must be rejected.
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 500_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -100, 12.5, 0.01) },
);

const command: fc.Arbitrary<ReceivableCommand> = fc.oneof(
  fc
    .record({
      billId: fc.constantFrom('b1', 'b2', 'b3', 'b4', 'b5'),
      amountPaise: amount,
      dueDate: fc.constantFrom(...dates),
    })
    .map(({ billId, amountPaise, dueDate }) => ({
      type: 'ChargeBill' as const,
      data: { billId, period: '2026-01', amountPaise, dueDate },
      metadata,
    })),
  fc
    .record({
      paymentReference: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
      amountPaise: amount,
    })
    .map(({ paymentReference, amountPaise }) => ({
      type: 'RecordPayment' as const,
      data: {
        paymentReference,
        amountPaise,
        method: 'upi' as const,
        methodReference: '123456789012',
        receivedAt: '2026-06-30T11:00:00.000Z',
        recordedBy: 'admin-1',
      },
      metadata,
    })),
  fc
    .record({ asOf: fc.constantFrom(...dates, '2026-07-01'), lateFeePaise: amount })
    .map(({ asOf, lateFeePaise }) => ({
      type: 'ApplyLateFees' as const,
      data: { asOf, lateFeePaise },
      metadata,
    })),
  amount.map((amountPaise) => ({
    type: 'ApplyAdjustment' as const,
    data: { amountPaise, reason: 'goodwill', approvedBy: 'admin-1' },
    metadata,
  })),
);

describe('receivable invariants under any command sequence', () => {
  it('keeps the books balanced, integral, and idempotent', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        let state = decider.initialState;
        const log: ReceivableEvent[] = [];
        for (const cmd of commands) {
          const outcome = decider.decide(cmd, state);
          if (outcome instanceof DomainError) {
            expectRejectionIsJustified(cmd, outcome, state);
            continue;
          }
          expectDuplicatesAreNoOps(cmd, outcome, state);
          for (const event of outcome) {
            expectOnlyIntegers(event.data);
            // What the decider emits is exactly what the catalog (and docs/events.md) declares.
            expect(receivableEvents.schemas[event.type].safeParse(event.data).success).toBe(true);
            state = decider.evolve(state, event);
            log.push(event);
          }
          expectBooksBalance(state, log);
        }
      }),
      { numRuns: 400 },
    );
  });
});

function expectBooksBalance(state: ReceivableState, log: ReceivableEvent[]): void {
  const sum = (type: ReceivableEvent['type'], pick: (e: ReceivableEvent) => number) =>
    log.filter((e) => e.type === type).reduce((total, e) => total + pick(e), 0);
  const charges = sum('BillCharged', (e) => (e.type === 'BillCharged' ? e.data.amountPaise : 0));
  const fees = sum('LateFeeApplied', (e) =>
    e.type === 'LateFeeApplied' ? e.data.lateFeePaise : 0,
  );
  const paid = sum('PaymentReceived', (e) =>
    e.type === 'PaymentReceived' ? e.data.amountPaise : 0,
  );
  const credits = sum('CreditApplied', (e) =>
    e.type === 'CreditApplied' ? e.data.amountPaise : 0,
  );
  expect(state.balancePaise).toBe(charges + fees - paid - credits);

  // The balance also equals what the open bills still owe minus unallocated credit,
  // and credit only exists once every bill is settled.
  const owed = state.bills.reduce((total, bill) => total + bill.remainingPaise, 0);
  expect(state.balancePaise).toBe(owed - state.creditPaise);
  expect(state.creditPaise).toBeGreaterThanOrEqual(0);
  for (const bill of state.bills) expect(bill.remainingPaise).toBeGreaterThanOrEqual(0);
  if (state.creditPaise > 0) expect(owed).toBe(0);

  const feeBills = log.flatMap((e) => (e.type === 'LateFeeApplied' ? [e.data.billId] : []));
  expect(new Set(feeBills).size).toBe(feeBills.length);
  const refs = log.flatMap((e) => (e.type === 'PaymentReceived' ? [e.data.paymentReference] : []));
  expect(new Set(refs).size).toBe(refs.length);
  const chargedBills = log.flatMap((e) => (e.type === 'BillCharged' ? [e.data.billId] : []));
  expect(new Set(chargedBills).size).toBe(chargedBills.length);
}

function expectDuplicatesAreNoOps(
  cmd: ReceivableCommand,
  outcome: ReceivableEvent[],
  state: ReceivableState,
): void {
  if (cmd.type === 'RecordPayment' && Object.hasOwn(state.payments, cmd.data.paymentReference)) {
    expect(outcome).toEqual([]);
  }
  if (cmd.type === 'ChargeBill' && state.bills.some((b) => b.billId === cmd.data.billId)) {
    expect(outcome).toEqual([]);
  }
  for (const event of outcome) {
    if (event.type === 'PaymentReceived' || event.type === 'CreditApplied') {
      const allocated = event.data.allocations.reduce((t, a) => t + a.amountPaise, 0);
      expect(allocated + event.data.unallocatedPaise).toBe(event.data.amountPaise);
    }
  }
}

function expectRejectionIsJustified(
  cmd: ReceivableCommand,
  error: DomainError,
  state: ReceivableState,
): void {
  if (error.code === 'PAYMENT_REFERENCE_REUSED' && cmd.type === 'RecordPayment') {
    const previous = state.payments[cmd.data.paymentReference];
    expect(previous).toBeDefined();
    expect(previous).not.toBe(cmd.data.amountPaise);
    return;
  }
  if (error.code === 'BILL_CHARGE_MISMATCH') {
    expect(cmd.type).toBe('ChargeBill');
    return;
  }
  // Otherwise only malformed amounts may be rejected in this generator.
  expect(error.code).toBe('INVALID_AMOUNT');
  const value = cmd.type === 'ApplyLateFees' ? cmd.data.lateFeePaise : cmd.data.amountPaise;
  const zeroAllowed = cmd.type === 'ChargeBill';
  expect(Number.isInteger(value) && (zeroAllowed ? value >= 0 : value > 0)).toBe(false);
}

function expectOnlyIntegers(value: unknown): void {
  if (typeof value === 'number') expect(Number.isInteger(value)).toBe(true);
  else if (Array.isArray(value)) value.forEach(expectOnlyIntegers);
  else if (value !== null && typeof value === 'object')
    Object.values(value).forEach(expectOnlyIntegers);
}
