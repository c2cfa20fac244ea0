// Region streams (`region-<stateCode>`): one state and its cities, the
// reference data that property addresses and gateway areas point at. A city
// owns a range of six-digit PIN codes; ranges within a state never overlap, so
// a PIN code names at most one city of the state.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

const iso = z.iso.datetime({ offset: true });
const pincode = z.int().min(110000).max(999999);

export const regionEvents = defineEvents(
  'region',
  'One state (stream id: its code, e.g. KA) and its cities with their PIN code ranges.',
  {
    StateAdded: z.object({ stateCode: z.string(), name: z.string(), at: iso }),
    CityAdded: z.object({
      cityId: z.uuid(),
      name: z.string(),
      pincodeFrom: pincode,
      pincodeTo: pincode,
      at: iso,
    }),
  },
);

export type RegionEvent = EventsOf<typeof regionEvents>;

export interface City {
  cityId: string;
  name: string;
  pincodeFrom: number;
  pincodeTo: number;
}

export type RegionState =
  { status: 'absent' } | { status: 'present'; stateCode: string; name: string; cities: City[] };

export const initialRegionState: RegionState = { status: 'absent' };

export const regionStream = (stateCode: string): string => streamName('region', stateCode);

export function evolveRegion(state: RegionState, event: RegionEvent): RegionState {
  switch (event.type) {
    case 'StateAdded':
      return {
        status: 'present',
        stateCode: event.data.stateCode,
        name: event.data.name,
        cities: [],
      };
    case 'CityAdded': {
      if (state.status !== 'present') return state;
      const { cityId, name, pincodeFrom, pincodeTo } = event.data;
      return { ...state, cities: [...state.cities, { cityId, name, pincodeFrom, pincodeTo }] };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** The city of a state whose range holds `pincode`, if any. */
export const cityForPincode = (state: RegionState, pincode: number): City | null =>
  state.status === 'present'
    ? (state.cities.find((c) => c.pincodeFrom <= pincode && pincode <= c.pincodeTo) ?? null)
    : null;
