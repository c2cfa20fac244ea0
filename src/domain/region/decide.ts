// Region commands: add a state, add a city to it. Duplicates are rejected
// (case-insensitively for names) rather than ignored, because a second "add"
// of the same name with different details is a mistake an admin should see.

import { DomainError, type Command } from '../shared/decider.ts';
import type { RegionEvent, RegionState } from './events.ts';

export type RegionErrorCode =
  | 'INVALID_STATE_CODE'
  | 'INVALID_NAME'
  | 'STATE_EXISTS'
  | 'STATE_NOT_FOUND'
  | 'CITY_EXISTS'
  | 'INVALID_PINCODE_RANGE'
  | 'PINCODE_RANGE_OVERLAPS';

export type RegionCommand =
  | Command<'AddState', { stateCode: string; name: string }>
  | Command<'AddCity', { cityId: string; name: string; pincodeFrom: number; pincodeTo: number }>;

type Result = RegionEvent[] | DomainError<RegionErrorCode>;

// ISO 3166-2:IN subdivision codes are two letters (KA, MH, DL, TG...).
export const isStateCode = (code: string): boolean => /^[A-Z]{2}$/.test(code);
// Indian PIN codes are six digits; the first digit (the postal zone) is 1-9.
const isPincode = (n: number) => Number.isInteger(n) && n >= 110000 && n <= 999999;
const cleanName = (name: string) => name.trim().replace(/\s+/g, ' ');
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function decideRegion(command: RegionCommand, state: RegionState): Result {
  const { now } = command.metadata;
  switch (command.type) {
    case 'AddState': {
      const { stateCode } = command.data;
      const name = cleanName(command.data.name);
      if (!isStateCode(stateCode))
        return new DomainError('INVALID_STATE_CODE', 'state code must be two capital letters');
      if (name === '') return new DomainError('INVALID_NAME', 'state name must not be empty');
      if (state.status === 'present')
        return new DomainError('STATE_EXISTS', `state ${stateCode} already exists`);
      return [{ type: 'StateAdded', data: { stateCode, name, at: now } }];
    }
    case 'AddCity': {
      const { cityId, pincodeFrom, pincodeTo } = command.data;
      const name = cleanName(command.data.name);
      if (state.status !== 'present')
        return new DomainError('STATE_NOT_FOUND', 'add the state before its cities');
      if (name === '') return new DomainError('INVALID_NAME', 'city name must not be empty');
      if (!isPincode(pincodeFrom) || !isPincode(pincodeTo) || pincodeFrom > pincodeTo)
        return new DomainError(
          'INVALID_PINCODE_RANGE',
          'PIN codes are six digits and the range must not be reversed',
        );
      if (state.cities.some((c) => sameName(c.name, name) || c.cityId === cityId))
        return new DomainError('CITY_EXISTS', `${name} already exists in ${state.name}`);
      const clash = state.cities.find(
        (c) => pincodeFrom <= c.pincodeTo && c.pincodeFrom <= pincodeTo,
      );
      if (clash)
        return new DomainError(
          'PINCODE_RANGE_OVERLAPS',
          `PIN codes ${pincodeFrom}-${pincodeTo} overlap ${clash.name}`,
        );
      return [{ type: 'CityAdded', data: { cityId, name, pincodeFrom, pincodeTo, at: now } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}
