// Given/when/then for pure deciders:
//   given(decider, [events]).when(command).then([events])  or  .thenFails('CODE')

import { expect } from 'vitest';
import { DomainError, type Decider } from '../../src/domain/shared/decider.ts';

export function given<C, E, S>(decider: Decider<C, E, S>, events: E[] = []) {
  const state = events.reduce(decider.evolve, decider.initialState);
  return {
    state,
    when(command: C) {
      const outcome = decider.decide(command, state);
      return {
        then(expected: E[]) {
          if (outcome instanceof Error) throw outcome;
          expect(outcome).toEqual(expected);
        },
        thenFails(code: string) {
          expect(outcome).toBeInstanceOf(DomainError);
          expect((outcome as DomainError).code).toBe(code);
        },
        /** For assertions the two above cannot express. */
        outcome,
      };
    },
  };
}
