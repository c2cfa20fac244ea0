// Check: every property's receivable balance equals charges + late fees −
// payments − credits, and agrees with what is still owed on its bills minus
// its credit; every payment or credit allocates exactly its amount, only to
// bills charged before it, never beyond what they owed; and every charge is
// exactly the charges of the bill it names, with that bill's due date.

import { billEvents } from '../../domain/billing/index.ts';
import {
  balanceOf,
  evolveReceivable,
  initialReceivableState,
  receivableEvents,
  type Allocation,
  type ReceivableEvent,
  type ReceivableState,
} from '../../domain/receivable/index.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { failureAt, parseData, type AuditCheck, type AuditFailure } from '../check.ts';

const PREFIX = `${receivableEvents.category}-`;

interface Account {
  state: ReceivableState;
  /** Sums kept apart from the fold, so the balance is checked, not just repeated. */
  charged: number;
  paid: number;
  credited: number;
  lateFees: number;
  last: RecordedEvent;
}

interface Charge {
  event: RecordedEvent;
  billId: string;
  amountPaise: number;
  dueDate: string;
}

function allocationProblem(
  state: ReceivableState,
  amountPaise: number,
  allocations: Allocation[],
  unallocatedPaise: number,
): string | null {
  const allocated = allocations.reduce((sum, a) => sum + a.amountPaise, 0);
  if (allocated + unallocatedPaise !== amountPaise)
    return `allocations ${allocated} + unallocated ${unallocatedPaise} ≠ amount ${amountPaise} paise`;
  for (const a of allocations) {
    const bill = state.bills.find((b) => b.billId === a.billId);
    if (!bill) return `allocates to bill ${a.billId}, which was never charged here`;
    if (a.amountPaise > bill.remainingPaise)
      return `allocates ${a.amountPaise} paise to bill ${a.billId}, which owed ${bill.remainingPaise}`;
  }
  return null;
}

export const receivableBalancesCheck: AuditCheck = {
  id: 'receivable-balances',
  title: 'account balances equal charges + late fees − payments − credits',
  start() {
    const accounts = new Map<string, Account>();
    const charges: Charge[] = [];
    const bills = new Map<string, { chargesPaise: number; dueDate: string }>();
    const failures: AuditFailure[] = [];

    function onReceivable(event: RecordedEvent): void {
      const schema = receivableEvents.schemas[event.type as ReceivableEvent['type']];
      if (!schema) return void failures.push(failureAt(event, `unknown event type ${event.type}`));
      const parsed = parseData(schema, event);
      if (!parsed.ok) return void failures.push(parsed.failure);
      const typed = { type: event.type, data: parsed.data } as ReceivableEvent;
      const account = accounts.get(event.stream) ?? {
        ...{ state: initialReceivableState, charged: 0, paid: 0, credited: 0, lateFees: 0 },
        last: event,
      };
      switch (typed.type) {
        case 'BillCharged':
          account.charged += typed.data.amountPaise;
          charges.push({ event, ...typed.data });
          break;
        case 'PaymentReceived':
        case 'CreditApplied': {
          const { amountPaise, allocations, unallocatedPaise } = typed.data;
          const problem = allocationProblem(
            account.state,
            amountPaise,
            allocations,
            unallocatedPaise,
          );
          if (problem) failures.push(failureAt(event, problem));
          if (typed.type === 'PaymentReceived') account.paid += amountPaise;
          else account.credited += amountPaise;
          break;
        }
        case 'LateFeeApplied':
          account.lateFees += typed.data.lateFeePaise;
          break;
        default: {
          const _exhaustive: never = typed;
          return _exhaustive;
        }
      }
      account.state = evolveReceivable(account.state, typed);
      account.last = event;
      accounts.set(event.stream, account);
    }

    function balanceProblem(account: Account): string | null {
      const { state } = account;
      const expected = account.charged + account.lateFees - account.paid - account.credited;
      if (balanceOf(state) !== expected)
        return `balance ${balanceOf(state)} ≠ charges + late fees − payments − credits = ${expected} paise`;
      const owed = state.bills.reduce((sum, bill) => sum + bill.remainingPaise, 0);
      if (balanceOf(state) !== owed - state.creditPaise)
        return `balance ${balanceOf(state)} ≠ owed on bills ${owed} − credit ${state.creditPaise} paise`;
      if (state.creditPaise < 0) return `credit is negative (${state.creditPaise} paise)`;
      return null;
    }

    return {
      observe(event) {
        if (event.stream.startsWith(PREFIX)) return onReceivable(event);
        if (event.type !== 'BillIssued' || !event.stream.startsWith('bill-')) return;
        // A malformed bill is the recompute check's to report.
        const parsed = billEvents.schemas.BillIssued.safeParse(event.data);
        if (parsed.success) bills.set(parsed.data.billId, parsed.data);
      },
      async finish() {
        for (const charge of charges) {
          const bill = bills.get(charge.billId);
          if (!bill)
            failures.push(failureAt(charge.event, `charges unknown bill ${charge.billId}`));
          else if (bill.chargesPaise !== charge.amountPaise || bill.dueDate !== charge.dueDate)
            failures.push(
              failureAt(
                charge.event,
                `charges ${charge.amountPaise} paise due ${charge.dueDate}, but bill ${charge.billId} is ${bill.chargesPaise} due ${bill.dueDate}`,
              ),
            );
        }
        for (const account of accounts.values()) {
          const problem = balanceProblem(account);
          if (problem) failures.push(failureAt(account.last, problem));
        }
        return { checked: accounts.size, failures, notes: [`${charges.length} charges`] };
      },
    };
  },
};
