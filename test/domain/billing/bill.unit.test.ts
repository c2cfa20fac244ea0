import { describe, expect, it } from 'vitest';
import {
  billDecider,
  billIdFor,
  billStream,
  calculateBill,
  type BillEvent,
  type IssueBill,
} from '../../../src/domain/billing/index.ts';
import { given } from '../../support/decider-spec.ts';
import { prototypeTariff } from './prototype-tariff.ts';

describe('bill decider: IssueBill', () => {
  it('issues the bill priced by calculateBill, with its inputs recorded', () => {
    const { outcome } = given(billDecider).when(issue());
    expect(outcome).toHaveLength(1);
    const [event] = outcome as BillEvent[];
    expect(event!.type).toBe('BillIssued');
    const bill = event!.data;
    expect(bill).toMatchObject({
      billId: 'prop-1_2026-01',
      propertyId: 'prop-1',
      period: '2026-01',
      tenantAccountId: 'tenant-1',
      ownerAccountId: 'owner-1',
      meterId: 'meter-1',
      openingReadingEventId: 'r-1',
      closingReadingEventId: 'r-2',
      openingWh: 1_000_000,
      closingWh: 1_500_000,
      units: 500_000,
      tariffKind: 'residential',
      tariffVersion: 3,
      arrearsPaise: 10_000,
      missedPeriods: 1,
      // The prototype's sample bill, a missed-reading penalty and the arrears.
      totalPaise: 634_500 + 20_000 + 10_000,
      chargesPaise: 634_500 + 20_000,
      issuedAt: now,
      dueDate: '2026-02-15',
      runId: 'run-1',
    });
    const recomputed = calculateBill({
      opening: { eventId: 'r-1', registerWh: bill.openingWh, readAt: bill.openingReadAt },
      closing: { eventId: 'r-2', registerWh: bill.closingWh, readAt: bill.closingReadAt },
      tariff: prototypeTariff,
      arrearsPaise: bill.arrearsPaise,
      missedPeriods: bill.missedPeriods,
      issuedAt: bill.issuedAt,
    });
    expect(recomputed).toMatchObject({ lines: bill.lines, totalPaise: bill.totalPaise });
  });

  it('refuses to issue a second bill for the same property and period', () => {
    const first = given(billDecider).when(issue()).outcome as BillEvent[];
    given(billDecider, first).when(issue()).thenFails('BILL_ALREADY_ISSUED');
  });

  it('rejects a malformed period', () => {
    given(billDecider)
      .when(issue({ period: '2026-13' }))
      .thenFails('INVALID_PERIOD');
  });

  it('passes on the calculation error for bad readings', () => {
    given(billDecider)
      .when(issue({ closing: { eventId: 'r-2', registerWh: 10, readAt: '2026-01-31T00:00:00Z' } }))
      .thenFails('REGISTER_WENT_BACKWARDS');
  });

  it('names streams one per property and period', () => {
    expect(billIdFor('p', '2026-01')).toBe('p_2026-01');
    expect(billStream('p', '2026-01')).toBe('bill-p_2026-01');
  });
});

const now = '2026-02-01T06:00:00.000Z';

function issue(change: Partial<IssueBill['data']> = {}): IssueBill {
  return {
    type: 'IssueBill',
    data: {
      propertyId: 'prop-1',
      period: '2026-01',
      meterId: 'meter-1',
      tenantAccountId: 'tenant-1',
      ownerAccountId: 'owner-1',
      opening: { eventId: 'r-1', registerWh: 1_000_000, readAt: '2025-12-31T23:00:00.000Z' },
      closing: { eventId: 'r-2', registerWh: 1_500_000, readAt: '2026-01-31T23:00:00.000Z' },
      tariffKind: 'residential',
      tariff: prototypeTariff,
      arrearsPaise: 10_000,
      missedPeriods: 1,
      runId: 'run-1',
      ...change,
    },
    metadata: { now, commandId: 'cmd-1', actor: 'system:billrun' },
  };
}
