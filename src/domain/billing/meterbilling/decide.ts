// Settling a meter's period: billed or missed, once, in period order. Repeating
// the same outcome for the same period is a no-op, so a bill run can be
// resumed after a crash without double-counting a miss.

import { DomainError, type Command } from '../../shared/decider.ts';
import { periodPattern } from '../events.ts';
import type { MeterBillingEvent, MeterBillingState } from './events.ts';

export type RecordPeriodBilled = Command<
  'RecordPeriodBilled',
  {
    period: string;
    propertyId: string;
    billId: string;
    closingReadingEventId: string;
    closingWh: number;
    closingReadAt: string;
    runId: string | null;
  }
>;

export type RecordPeriodMissed = Command<
  'RecordPeriodMissed',
  { period: string; propertyId: string; runId: string }
>;

export type MeterBillingCommand = RecordPeriodBilled | RecordPeriodMissed;

export type MeterBillingErrorCode =
  'INVALID_PERIOD' | 'PERIOD_OUT_OF_ORDER' | 'PERIOD_ALREADY_SETTLED';
export type MeterBillingError = DomainError<MeterBillingErrorCode>;

function checkPeriod(
  period: string,
  outcome: 'billed' | 'missed',
  state: MeterBillingState,
): 'new' | 'repeat' | MeterBillingError {
  if (!periodPattern.test(period))
    return new DomainError('INVALID_PERIOD', 'period must be YYYY-MM');
  if (state.lastPeriod === null || period > state.lastPeriod) return 'new';
  if (period === state.lastPeriod && state.lastOutcome === outcome) return 'repeat';
  if (period === state.lastPeriod)
    return new DomainError('PERIOD_ALREADY_SETTLED', `${period} was already ${state.lastOutcome}`);
  return new DomainError('PERIOD_OUT_OF_ORDER', `${period} is before ${state.lastPeriod}`);
}

export function decide(
  command: MeterBillingCommand,
  state: MeterBillingState,
): MeterBillingEvent[] | MeterBillingError {
  const at = command.metadata.now;
  switch (command.type) {
    case 'RecordPeriodBilled': {
      const checked = checkPeriod(command.data.period, 'billed', state);
      if (checked instanceof DomainError) return checked;
      if (checked === 'repeat') return [];
      return [{ type: 'PeriodBilled', data: { ...command.data, billedAt: at } }];
    }
    case 'RecordPeriodMissed': {
      const checked = checkPeriod(command.data.period, 'missed', state);
      if (checked instanceof DomainError) return checked;
      if (checked === 'repeat') return [];
      const consecutiveMisses = state.consecutiveMisses + 1;
      return [{ type: 'PeriodMissed', data: { ...command.data, consecutiveMisses, missedAt: at } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}
