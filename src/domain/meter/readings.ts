// The reading rules (DESIGN.md section 4) as a pure decision: a reading is
// recorded only for an enabled, assigned meter, with seq strictly above the
// last one (else READING_REPLAYED, nothing stored), and a register that never
// goes backwards (else a TamperAlarmRaised event instead of a reading). The
// signature was verified by the gateway before this runs; here it is stored.

import type { Command } from '../shared/decider.ts';
import { fail, type MeterError } from './errors.ts';
import type { MeterDetails, MeterEvent } from './events.ts';
import { normaliseSignature } from './public-key.ts';

export interface ReadingInput {
  seq: number;
  registerWh: number;
  readAt: string;
  signature: string;
  runId: string | null;
  requestId: string | null;
  receivedAt: string;
}

export type RecordReading = Command<'RecordReading', ReadingInput>;

const isInstant = (value: string): boolean => !Number.isNaN(Date.parse(value));

export function decideReading(
  command: RecordReading,
  state: MeterDetails & { status: 'enabled' | 'disabled' },
): MeterEvent[] | MeterError {
  const { seq, registerWh, readAt, runId, requestId, receivedAt } = command.data;
  if (state.status === 'disabled')
    return fail('METER_DISABLED', `meter ${state.meterId} is disabled`);
  if (state.propertyId === null)
    return fail('METER_NOT_ASSIGNED', `meter ${state.meterId} is not assigned to a property`);
  const signature = normaliseSignature(command.data.signature);
  if (!Number.isSafeInteger(seq) || seq < 0)
    return fail('INVALID_READING', 'seq must be a non-negative integer');
  if (!Number.isSafeInteger(registerWh) || registerWh < 0)
    return fail('INVALID_READING', 'registerWh must be a non-negative integer');
  if (!isInstant(readAt) || !isInstant(receivedAt)) return fail('INVALID_READING', 'bad timestamp');
  if (signature === null) return fail('INVALID_READING', 'signature must be 128 hex chars (r||s)');
  if (state.lastSeq !== null && seq <= state.lastSeq)
    return fail('READING_REPLAYED', `seq ${seq} is not above the last seq ${state.lastSeq}`);
  const fields = { seq, readAt, signature, runId, requestId, receivedAt };
  const last = state.lastReading;
  if (last !== null && registerWh < last.registerWh)
    return [
      {
        type: 'TamperAlarmRaised',
        data: { ...fields, lastRegisterWh: last.registerWh, reportedRegisterWh: registerWh },
      },
    ];
  return [{ type: 'ReadingRecorded', data: { ...fields, registerWh } }];
}
