// Meter serial reservations (`meterserial-<SERIAL>`): one stream per serial,
// created with expectedRevision no_stream, so two registrations racing for the
// same serial cannot both win. The store, not a read model, enforces it.

import { z } from 'zod';
import type { Command, Decider } from '../shared/decider.ts';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';
import { fail, type MeterError } from './errors.ts';

export const meterSerialEvents = defineEvents(
  'meterserial',
  'Reservation of one meter serial (upper-cased) for the meter that registered it.',
  {
    MeterSerialReserved: z.object({
      serial: z.string(),
      meterId: z.string(),
      reservedAt: z.string(),
    }),
  },
);

export type MeterSerialEvent = EventsOf<typeof meterSerialEvents>;
export type MeterSerialState = { status: 'free' } | { status: 'reserved'; meterId: string };
export type ReserveMeterSerial = Command<'ReserveMeterSerial', { serial: string; meterId: string }>;

export const meterSerialStream = (serial: string): string =>
  streamName(meterSerialEvents.category, serial);

export const meterSerialDecider: Decider<
  ReserveMeterSerial,
  MeterSerialEvent,
  MeterSerialState,
  MeterError
> = {
  initialState: { status: 'free' },
  evolve: (_state, event) => ({ status: 'reserved', meterId: event.data.meterId }),
  decide(command, state) {
    const { serial, meterId } = command.data;
    if (state.status === 'free')
      return [
        {
          type: 'MeterSerialReserved',
          data: { serial, meterId, reservedAt: command.metadata.now },
        },
      ];
    // The same meter asking again is a retry of its own registration.
    if (state.meterId === meterId) return [];
    return fail('SERIAL_TAKEN', `serial ${serial} belongs to another meter`);
  },
};
