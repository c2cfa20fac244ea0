// Gateway streams (`gateway-<gatewayId>`): the "IoT servers" of inventory. A
// gateway serves one area (state, city, pincode); a meter may only be assigned
// on a gateway of its property's area. Meters pin the gateway's public key, so
// rotations are recorded in order.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

const at = z.string();

export const gatewayEvents = defineEvents(
  'gateway',
  'One gateway (IoT server): its area, its public key history, enabled or disabled.',
  {
    GatewayRegistered: z.object({
      gatewayId: z.string(),
      name: z.string(),
      state: z.string(),
      city: z.string(),
      pincode: z.string(),
      publicKey: z.string(),
      registeredAt: at,
    }),
    GatewayKeyRotated: z.object({
      publicKey: z.string(),
      previousPublicKey: z.string(),
      rotatedAt: at,
    }),
    GatewayDisabled: z.object({ reason: z.string(), disabledAt: at }),
    GatewayEnabled: z.object({ enabledAt: at }),
  },
);

export type GatewayEvent = EventsOf<typeof gatewayEvents>;

export interface Area {
  state: string;
  city: string;
  pincode: string;
}

export interface GatewayDetails extends Area {
  gatewayId: string;
  name: string;
  publicKey: string;
  /** Every key the gateway ever had, oldest first (the last is `publicKey`). */
  keys: string[];
}

export type GatewayState =
  { status: 'none' } | (GatewayDetails & { status: 'enabled' | 'disabled' });

export const initialGatewayState: GatewayState = { status: 'none' };

export const gatewayStream = (gatewayId: string): string =>
  streamName(gatewayEvents.category, gatewayId);

const fold = (text: string): string => text.trim().toLowerCase();

/** Same state and city (ignoring case and outer spaces) and the same pincode. */
export const sameArea = (a: Area, b: Area): boolean =>
  fold(a.state) === fold(b.state) && fold(a.city) === fold(b.city) && a.pincode === b.pincode;

export function evolveGatewayState(state: GatewayState, event: GatewayEvent): GatewayState {
  if (event.type === 'GatewayRegistered') {
    const { gatewayId, name, state: region, city, pincode, publicKey } = event.data;
    return {
      status: 'enabled',
      ...{ gatewayId, name, state: region, city, pincode, publicKey },
      keys: [publicKey],
    };
  }
  // Every other event follows GatewayRegistered in its stream.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'GatewayKeyRotated':
      return {
        ...state,
        publicKey: event.data.publicKey,
        keys: [...state.keys, event.data.publicKey],
      };
    case 'GatewayDisabled':
      return { ...state, status: 'disabled' };
    case 'GatewayEnabled':
      return { ...state, status: 'enabled' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
