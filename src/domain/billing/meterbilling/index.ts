// The per-meter billing history decider.

import type { Decider } from '../../shared/decider.ts';
import { decide, type MeterBillingCommand, type MeterBillingError } from './decide.ts';
import { evolve, initialState, type MeterBillingEvent, type MeterBillingState } from './events.ts';

export const meterBillingDecider: Decider<
  MeterBillingCommand,
  MeterBillingEvent,
  MeterBillingState,
  MeterBillingError
> = { decide, evolve, initialState };

export * from './events.ts';
export * from './decide.ts';
