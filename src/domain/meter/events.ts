// Meter streams (`meter-<meterId>`): one meter's inventory life (registration,
// assignment to a property on a gateway, key rotation, disable/enable) and the
// signed readings it sends. The gateway folds this stream on its hot path, so
// state keeps only the last reading and the key history, never all readings.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

export const meterKinds = ['single-phase', 'three-phase'] as const;
export type MeterKind = (typeof meterKinds)[number];

const at = z.string();
const readingFields = {
  seq: z.number().int().nonnegative(),
  readAt: at,
  /** Compact r||s ECDSA signature (hex) over the reading's canonical bytes, as the meter sent it. */
  signature: z.string(),
  runId: z.string().nullable(),
  requestId: z.string().nullable(),
  /** Gateway clock when the reading arrived; key `validFrom` uses the same clock. */
  receivedAt: at,
};

export const meterEvents = defineEvents(
  'meter',
  'One meter: inventory, assignment, key history, signed readings and tamper alarms.',
  {
    MeterRegistered: z.object({
      meterId: z.string(),
      serial: z.string(),
      publicKey: z.string(),
      kind: z.enum(meterKinds),
      registeredAt: at,
    }),
    MeterAssigned: z.object({ propertyId: z.string(), gatewayId: z.string(), assignedAt: at }),
    MeterUnassigned: z.object({ propertyId: z.string(), reason: z.string(), unassignedAt: at }),
    MeterKeyRotated: z.object({
      publicKey: z.string(),
      previousPublicKey: z.string(),
      validFrom: at,
    }),
    MeterDisabled: z.object({ reason: z.string(), disabledAt: at }),
    MeterEnabled: z.object({ enabledAt: at }),
    ReadingRecorded: z.object({ ...readingFields, registerWh: z.number().int().nonnegative() }),
    TamperAlarmRaised: z.object({
      ...readingFields,
      /** Register of the last accepted reading. */
      lastRegisterWh: z.number().int().nonnegative(),
      /** The lower register the meter reported; it is not billed. */
      reportedRegisterWh: z.number().int().nonnegative(),
    }),
  },
);

export type MeterEvent = EventsOf<typeof meterEvents>;

export interface MeterKey {
  publicKey: string;
  validFrom: string;
}

export interface LastReading {
  seq: number;
  registerWh: number;
  readAt: string;
  receivedAt: string;
}

export interface MeterDetails {
  meterId: string;
  serial: string;
  kind: MeterKind;
  /** Oldest first; the last one is the current key. */
  keys: MeterKey[];
  propertyId: string | null;
  gatewayId: string | null;
  /** Highest seq seen, including tamper alarms, so neither can be replayed. */
  lastSeq: number | null;
  lastReading: LastReading | null;
  tamperAlarms: number;
}

export type MeterState = { status: 'none' } | (MeterDetails & { status: 'enabled' | 'disabled' });

export const initialMeterState: MeterState = { status: 'none' };

export const meterStream = (meterId: string): string => streamName(meterEvents.category, meterId);

/** The last accepted reading (tamper alarms excluded), or null before the first. */
export const lastReading = (state: MeterState): LastReading | null =>
  state.status === 'none' ? null : state.lastReading;

/** The key readings must be signed with now, or null for an unknown meter. */
export const currentKey = (state: MeterState): string | null =>
  state.status === 'none' ? null : (state.keys[state.keys.length - 1]?.publicKey ?? null);

/**
 * The key a reading received at `receivedAt` had to be signed with: the last
 * key whose `validFrom` is not after it (same gateway clock). For auditors.
 */
export function keyValidAt(keys: MeterKey[], receivedAt: string): string | null {
  const at = Date.parse(receivedAt);
  return keys.findLast((key) => Date.parse(key.validFrom) <= at)?.publicKey ?? null;
}

export function evolveMeterState(state: MeterState, event: MeterEvent): MeterState {
  if (event.type === 'MeterRegistered') {
    const { meterId, serial, kind, publicKey, registeredAt } = event.data;
    return {
      status: 'enabled',
      ...{ meterId, serial, kind },
      keys: [{ publicKey, validFrom: registeredAt }],
      propertyId: null,
      gatewayId: null,
      lastSeq: null,
      lastReading: null,
      tamperAlarms: 0,
    };
  }
  // Every other event follows MeterRegistered in its stream.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'MeterAssigned':
      return { ...state, propertyId: event.data.propertyId, gatewayId: event.data.gatewayId };
    case 'MeterUnassigned':
      return { ...state, propertyId: null, gatewayId: null };
    case 'MeterKeyRotated': {
      const key = { publicKey: event.data.publicKey, validFrom: event.data.validFrom };
      return { ...state, keys: [...state.keys, key] };
    }
    case 'MeterDisabled':
      return { ...state, status: 'disabled' };
    case 'MeterEnabled':
      return { ...state, status: 'enabled' };
    case 'ReadingRecorded': {
      const { seq, registerWh, readAt, receivedAt } = event.data;
      return { ...state, lastSeq: seq, lastReading: { seq, registerWh, readAt, receivedAt } };
    }
    case 'TamperAlarmRaised':
      return { ...state, lastSeq: event.data.seq, tamperAlarms: state.tamperAlarms + 1 };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
