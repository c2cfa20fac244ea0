// Typed error codes of the meter and meter-serial deciders.

import { DomainError } from '../shared/decider.ts';

export type MeterErrorCode =
  | 'METER_NOT_FOUND'
  | 'METER_EXISTS'
  | 'INVALID_METER'
  | 'INVALID_PUBLIC_KEY'
  | 'KEY_REUSED'
  | 'METER_DISABLED'
  | 'METER_NOT_ASSIGNED'
  | 'METER_ALREADY_ASSIGNED'
  | 'INVALID_READING'
  | 'READING_REPLAYED'
  | 'SERIAL_TAKEN';

export type MeterError = DomainError<MeterErrorCode>;

export const fail = (code: MeterErrorCode, message: string): MeterError =>
  new DomainError(code, message);
