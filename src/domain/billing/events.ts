// Bill streams (`bill-<propertyId>_<YYYY-MM>`): the one bill of a property for
// one period. The stream holds a single `BillIssued`; appending it with
// expected revision `no_stream` makes "billed at most once per period" a
// guarantee of the store, whatever retries or concurrent runs happen.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';
import { propertyKinds } from '../tariff/events.ts';

export const periodPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

export const billLineSchema = z.object({
  /** ENERGY, ENERGY_<n>, FIXED, MISC:<name>, TAX:<name>, PENALTY, ARREARS */
  code: z.string(),
  label: z.string(),
  quantityWh: z.number().int().nullable(),
  ratePaisePerKwh: z.number().int().nullable(),
  amountPaise: z.number().int(),
});

export const billEvents = defineEvents(
  'bill',
  'The bill of one property for one period (id `<propertyId>_<YYYY-MM>`); issued at most once.',
  {
    BillIssued: z.object({
      billId: z.string(),
      propertyId: z.string(),
      /** YYYY-MM */
      period: z.string().regex(periodPattern),
      /** Tenant at the time of issue, if any. */
      tenantAccountId: z.string().nullable(),
      ownerAccountId: z.string(),
      meterId: z.string(),
      openingReadingEventId: z.string(),
      closingReadingEventId: z.string(),
      openingWh: z.number().int().nonnegative(),
      closingWh: z.number().int().nonnegative(),
      openingReadAt: z.string(),
      closingReadAt: z.string(),
      units: z.number().int().nonnegative(),
      tariffKind: z.enum(propertyKinds),
      tariffVersion: z.number().int().positive(),
      /** Inputs kept so an auditor recomputes the bill from the event alone. */
      arrearsPaise: z.number().int(),
      missedPeriods: z.number().int().nonnegative(),
      lines: z.array(billLineSchema),
      /** Sum of the lines, arrears included: what the customer is asked to pay. */
      totalPaise: z.number().int(),
      /** This period's own charges (total minus arrears): what the receivable is charged. */
      chargesPaise: z.number().int().nonnegative(),
      issuedAt: z.string(),
      /** YYYY-MM-DD */
      dueDate: z.string(),
      /** Bill run that issued it; null for a bill issued outside a run. */
      runId: z.string().nullable(),
    }),
  },
);

export type BillEvent = EventsOf<typeof billEvents>;
export type IssuedBill = Extract<BillEvent, { type: 'BillIssued' }>['data'];

export type BillState = { status: 'none' } | { status: 'issued'; bill: IssuedBill };

export const initialState: BillState = { status: 'none' };

export function evolve(state: BillState, event: BillEvent): BillState {
  switch (event.type) {
    case 'BillIssued':
      return { status: 'issued', bill: event.data };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** Bill id and stream id are the same: one bill per property and period. */
export const billIdFor = (propertyId: string, period: string): string => `${propertyId}_${period}`;
export const billStream = (propertyId: string, period: string): string =>
  streamName('bill', billIdFor(propertyId, period));
