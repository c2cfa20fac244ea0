// Where a bill's readings come from: the closing reading is a signed
// `ReadingRecorded` event in the meter's stream (named by its event id), and
// the opening one is the previous bill's closing reading, or the meter's very
// first reading when it has never been billed. Pure: works on events already read.

import { meterEvents } from '../meter/events.ts';
import type { ReadingRef } from './calculate-bill.ts';
import type { LastBilled } from './meterbilling/events.ts';

/** The part of a stored event these helpers look at. */
export interface StoredEvent {
  id: string;
  type: string;
  data: unknown;
}

function asReading(event: StoredEvent): ReadingRef | null {
  if (event.type !== 'ReadingRecorded') return null;
  const parsed = meterEvents.schemas.ReadingRecorded.safeParse(event.data);
  if (!parsed.success) return null;
  return { eventId: event.id, registerWh: parsed.data.registerWh, readAt: parsed.data.readAt };
}

/** The reading stored under `eventId`, or null if there is none (tamper alarms are not readings). */
export function findReading(events: readonly StoredEvent[], eventId: string): ReadingRef | null {
  const event = events.find((e) => e.id === eventId);
  return event ? asReading(event) : null;
}

/** The closing reading of the meter's last bill: where its next bill opens. */
export const lastBilledReading = (lastBilled: LastBilled): ReadingRef => ({
  eventId: lastBilled.closingReadingEventId,
  registerWh: lastBilled.closingWh,
  readAt: lastBilled.closingReadAt,
});

/** The first reading among the events (a never-billed meter's opening), or null. */
export function firstReadingIn(events: readonly StoredEvent[]): ReadingRef | null {
  for (const event of events) {
    const reading = asReading(event);
    if (reading) return reading;
  }
  return null;
}

/** Last day of a YYYY-MM period: the tariff in force then prices the period. */
export function periodEnd(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}
