// The meter decider (inventory and readings of one meter stream) and the
// serial reservation decider.

import type { Decider } from '../shared/decider.ts';
import { decideMeter, type MeterCommand } from './decide.ts';
import type { MeterError } from './errors.ts';
import { evolveMeterState, initialMeterState, type MeterEvent, type MeterState } from './events.ts';

export const meterDecider: Decider<MeterCommand, MeterEvent, MeterState, MeterError> = {
  decide: decideMeter,
  evolve: evolveMeterState,
  initialState: initialMeterState,
};

export * from './decide.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './public-key.ts';
export * from './readings.ts';
export * from './serial.ts';
