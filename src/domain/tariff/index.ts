// The tariff decider and its public vocabulary.

import type { Decider } from '../shared/decider.ts';
import { decide, type TariffCommand, type TariffError } from './decide.ts';
import { evolve, initialState, type TariffEvent, type TariffState } from './events.ts';

export const tariffDecider: Decider<TariffCommand, TariffEvent, TariffState, TariffError> = {
  decide,
  evolve,
  initialState,
};

export * from './events.ts';
export * from './decide.ts';
export * from './validate.ts';
