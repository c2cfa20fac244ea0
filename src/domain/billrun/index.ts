// The bill run decider and its progress view.

import type { Decider } from '../shared/decider.ts';
import { decide, type BillRunCommand, type BillRunError } from './decide.ts';
import { evolve, initialState, type BillRunEvent, type BillRunState } from './events.ts';

export const billRunDecider: Decider<BillRunCommand, BillRunEvent, BillRunState, BillRunError> = {
  decide,
  evolve,
  initialState,
};

export * from './events.ts';
export * from './decide.ts';
