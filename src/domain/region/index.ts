// The region (states and cities) decider.

import type { Decider } from '../shared/decider.ts';
import { decideRegion, type RegionCommand } from './decide.ts';
import { evolveRegion, initialRegionState, type RegionEvent, type RegionState } from './events.ts';

export const regionDecider: Decider<RegionCommand, RegionEvent, RegionState> = {
  decide: decideRegion,
  evolve: evolveRegion,
  initialState: initialRegionState,
};

export * from './decide.ts';
export * from './events.ts';
