// The receivable feature's public face: the decider for `receivable-<propertyId>`
// streams plus the pure queries (balance, overdue bills, defaulters).

import type { Decider } from '../shared/decider.ts';
import { decideReceivable, type ReceivableCommand, type ReceivableError } from './decide.ts';
import {
  evolveReceivable,
  initialReceivableState,
  type ReceivableEvent,
  type ReceivableState,
} from './events.ts';

export const receivableDecider: Decider<
  ReceivableCommand,
  ReceivableEvent,
  ReceivableState,
  ReceivableError
> = {
  decide: decideReceivable,
  evolve: evolveReceivable,
  initialState: initialReceivableState,
};

export * from './events.ts';
export * from './decide.ts';
export * from './queries.ts';
