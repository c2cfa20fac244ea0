// The property decider: add, approve/reject, tenancy, missed-reading flags,
// disable/enable and deactivation of one property stream.

import type { Decider } from '../shared/decider.ts';
import { decideProperty, type PropertyCommand } from './decide.ts';
import type { PropertyError } from './errors.ts';
import {
  evolvePropertyState,
  initialPropertyState,
  type PropertyEvent,
  type PropertyState,
} from './events.ts';

export const propertyDecider: Decider<
  PropertyCommand,
  PropertyEvent,
  PropertyState,
  PropertyError
> = {
  decide: decideProperty,
  evolve: evolvePropertyState,
  initialState: initialPropertyState,
};

export * from './decide.ts';
export * from './errors.ts';
export * from './events.ts';
export { DEFAULT_INVITATION_DAYS, MAX_INVITATION_DAYS } from './tenancy.ts';
