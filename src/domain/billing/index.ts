// The bill decider, the pure bill calculation and the per-meter billing history.

import type { Decider } from '../shared/decider.ts';
import { decide, type BillCommand, type BillError } from './decide.ts';
import { evolve, initialState, type BillEvent, type BillState } from './events.ts';

export const billDecider: Decider<BillCommand, BillEvent, BillState, BillError> = {
  decide,
  evolve,
  initialState,
};

export * from './events.ts';
export * from './decide.ts';
export * from './calculate-bill.ts';
export * from './readings.ts';
export * from './recompute.ts';
