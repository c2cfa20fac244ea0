// The gateway decider: one gateway's area, key history and enabled flag.

import type { Decider } from '../shared/decider.ts';
import { decideGateway, type GatewayCommand, type GatewayError } from './decide.ts';
import {
  evolveGatewayState,
  initialGatewayState,
  type GatewayEvent,
  type GatewayState,
} from './events.ts';

export const gatewayDecider: Decider<GatewayCommand, GatewayEvent, GatewayState, GatewayError> = {
  decide: decideGateway,
  evolve: evolveGatewayState,
  initialState: initialGatewayState,
};

export * from './decide.ts';
export * from './events.ts';
