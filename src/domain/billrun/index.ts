// The bill run decider and its progress view.

import type { Decider } from '../shared/decider.ts';
import { decide, type BillRunCommand, type BillRunError } from './decide.ts';
import {
  applyBillRunEvent,
  evolve,
  initialState,
  type BillRunEvent,
  type BillRunState,
} from './events.ts';

export const billRunDecider: Decider<BillRunCommand, BillRunEvent, BillRunState, BillRunError> = {
  decide,
  evolve,
  initialState,
};

/**
 * The same decider with the in-place fold, for folding a stream from its
 * start (handleCommand, foldStream): linear in the run's events. Not for
 * evolving a state someone else still holds.
 */
export const billRunReplay: typeof billRunDecider = {
  decide,
  evolve: applyBillRunEvent,
  initialState,
};

export * from './events.ts';
export * from './decide.ts';
export * from './batch-events.ts';
