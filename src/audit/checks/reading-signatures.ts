// Check: every stored reading (and tamper alarm, which is a signed reading
// too) carries a valid signature by the key its meter had when the gateway
// received it. The signed bytes are rebuilt from the event exactly as the
// meter made them (src/iot/protocol/canonical.ts): meterId, seq, registerWh,
// readAt in epoch milliseconds, and the requestId when it answered a request.

import { keyValidAt, meterEvents, type MeterKey } from '../../domain/meter/index.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { readingHash, type Reading } from '../../iot/protocol/canonical.ts';
import { verifyReadingSignature } from '../../iot/verify/select.ts';
import { failureAt, parseData, type AuditCheck, type AuditFailure } from '../check.ts';
import { fromHex } from '../merkle.ts';

const METER_PREFIX = `${meterEvents.category}-`;
const { schemas } = meterEvents;

interface MeterKeys {
  meterId: string;
  keys: MeterKey[];
}

/** Why the reading's signature is not valid, or null when it is. */
export function readingSignatureProblem(
  meterId: string,
  keys: MeterKey[],
  reading: {
    seq: number;
    registerWh: number;
    readAt: string;
    requestId: string | null;
    receivedAt: string;
    signature: string;
  },
): string | null {
  const publicKey = keyValidAt(keys, reading.receivedAt);
  if (publicKey === null) return `meter had no key at ${reading.receivedAt}`;
  const readAt = Date.parse(reading.readAt);
  if (Number.isNaN(readAt)) return `readAt ${reading.readAt} is not an instant`;
  const signed: Reading = { meterId, seq: reading.seq, registerWh: reading.registerWh, readAt };
  if (reading.requestId !== null) signed.requestId = reading.requestId;
  let hash: Uint8Array;
  try {
    hash = readingHash(signed);
  } catch (error) {
    return `reading has no canonical encoding: ${(error as Error).message}`;
  }
  const signature = fromHex(reading.signature);
  const key = fromHex(publicKey);
  if (!signature || signature.length !== 64) return 'signature is not 64-byte compact hex';
  if (!key || !verifyReadingSignature(key, hash, signature))
    return `signature does not verify with the meter's key ${publicKey}`;
  return null;
}

export const readingSignaturesCheck: AuditCheck = {
  id: 'reading-signatures',
  title: "reading signatures valid for the meter's key at the time",
  start() {
    const meters = new Map<string, MeterKeys>();
    const failures: AuditFailure[] = [];
    let checked = 0;

    function onReading(event: RecordedEvent, meter: MeterKeys | undefined): void {
      checked++;
      const parsed =
        event.type === 'ReadingRecorded'
          ? parseData(schemas.ReadingRecorded, event)
          : parseData(schemas.TamperAlarmRaised, event);
      if (!parsed.ok) return void failures.push(parsed.failure);
      const data = parsed.data;
      const registerWh = 'registerWh' in data ? data.registerWh : data.reportedRegisterWh;
      const problem = meter
        ? readingSignatureProblem(meter.meterId, meter.keys, { ...data, registerWh })
        : 'reading of a meter that was never registered';
      if (problem) failures.push(failureAt(event, problem));
    }

    return {
      observe(event) {
        if (!event.stream.startsWith(METER_PREFIX)) return;
        const meter = meters.get(event.stream);
        switch (event.type) {
          case 'MeterRegistered': {
            const parsed = parseData(schemas.MeterRegistered, event);
            if (!parsed.ok) return void failures.push(parsed.failure);
            const { meterId, publicKey, registeredAt } = parsed.data;
            meters.set(event.stream, { meterId, keys: [{ publicKey, validFrom: registeredAt }] });
            return;
          }
          case 'MeterKeyRotated': {
            const parsed = parseData(schemas.MeterKeyRotated, event);
            if (!parsed.ok) return void failures.push(parsed.failure);
            const { publicKey, validFrom } = parsed.data;
            meter?.keys.push({ publicKey, validFrom });
            return;
          }
          case 'ReadingRecorded':
          case 'TamperAlarmRaised':
            return onReading(event, meter);
          default:
            return;
        }
      },
      async finish() {
        return { checked, failures, notes: [`${meters.size} meters`] };
      },
    };
  },
};
