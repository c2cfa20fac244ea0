// The account decider and everything a service or read model needs from it.

import type { Decider } from '../shared/decider.ts';
import { decideAccount, type AccountCommand } from './decide.ts';
import {
  evolveAccount,
  initialAccountState,
  type AccountEvent,
  type AccountState,
} from './events.ts';

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: initialAccountState,
};

export * from './decide.ts';
export * from './events.ts';
export * from './reservation.ts';
export * from './validation.ts';
