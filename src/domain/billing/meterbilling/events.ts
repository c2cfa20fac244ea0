// Per-meter billing history (`meterbilling-<meterId>`): each period a meter is
// either billed (closing reading recorded) or missed. It answers the two
// questions a bill run asks of a meter's past in one fold: where does the next
// bill open, and how many periods in a row has the meter missed?
//
// Why a stream of its own rather than
// - the meter stream: that is the gateway's hot path (one writer, readings at
//   high rate) and owned by inventory; billing writes there would contend with
//   ingestion and make every reading append re-check billing's revision;
// - the bill streams: a miss issues no bill, so misses would need a second
//   home anyway, and finding "the last bill" would mean probing periods
//   backwards one stream at a time;
// - the bill run stream: consecutive misses span runs, and a run knows only
//   its own period.
// Appending here with the expected revision also serialises two runs racing
// over the same meter: the second re-reads and sees the period is settled.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../../shared/events.ts';
import { periodPattern } from '../events.ts';

export const meterBillingEvents = defineEvents(
  'meterbilling',
  'Billing history of one meter: per period billed (closing reading) or missed; counts consecutive misses.',
  {
    PeriodBilled: z.object({
      period: z.string().regex(periodPattern),
      propertyId: z.string(),
      billId: z.string(),
      closingReadingEventId: z.string(),
      closingWh: z.number().int().nonnegative(),
      closingReadAt: z.string(),
      runId: z.string().nullable(),
      billedAt: z.string(),
    }),
    PeriodMissed: z.object({
      period: z.string().regex(periodPattern),
      propertyId: z.string(),
      runId: z.string(),
      /** Misses in a row including this one: 1 flags the property, 2 disables it. */
      consecutiveMisses: z.number().int().positive(),
      missedAt: z.string(),
    }),
  },
);

export type MeterBillingEvent = EventsOf<typeof meterBillingEvents>;

export interface LastBilled {
  period: string;
  billId: string;
  closingReadingEventId: string;
  closingWh: number;
  closingReadAt: string;
}

export interface MeterBillingState {
  lastBilled: LastBilled | null;
  consecutiveMisses: number;
  /** Latest period settled either way; periods are settled in order. */
  lastPeriod: string | null;
  lastOutcome: 'billed' | 'missed' | null;
}

export const initialState: MeterBillingState = {
  lastBilled: null,
  consecutiveMisses: 0,
  lastPeriod: null,
  lastOutcome: null,
};

export function evolve(state: MeterBillingState, event: MeterBillingEvent): MeterBillingState {
  switch (event.type) {
    case 'PeriodBilled': {
      const { period, billId, closingReadingEventId, closingWh, closingReadAt } = event.data;
      return {
        lastBilled: { period, billId, closingReadingEventId, closingWh, closingReadAt },
        consecutiveMisses: 0,
        lastPeriod: period,
        lastOutcome: 'billed',
      };
    }
    case 'PeriodMissed':
      return {
        ...state,
        consecutiveMisses: event.data.consecutiveMisses,
        lastPeriod: event.data.period,
        lastOutcome: 'missed',
      };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export const meterBillingStream = (meterId: string): string => streamName('meterbilling', meterId);
