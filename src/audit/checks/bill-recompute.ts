// Check: every bill recomputes to the same paise from its readings and the
// tariff version it names (the billing module's `recomputeBill`), and the
// readings it cites are real readings of its meter with the registers and
// times the bill used. Tariffs and readings are collected during the replay;
// bills are judged at the end, when everything they cite has been seen.

import {
  billEvents,
  billStream,
  recomputeBill,
  type IssuedBill,
} from '../../domain/billing/index.ts';
import { meterEvents, meterStream } from '../../domain/meter/index.ts';
import { tariffEvents, type TariffVersion } from '../../domain/tariff/index.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { failureAt, parseData, type AuditCheck, type AuditFailure } from '../check.ts';

interface CitedReading {
  stream: string;
  registerWh: number;
  readAt: string;
}

const sameInstant = (a: string, b: string): boolean => Date.parse(a) === Date.parse(b);

function readingProblem(
  which: 'opening' | 'closing',
  id: string,
  reading: CitedReading | undefined,
  bill: IssuedBill,
): string | null {
  const registerWh = which === 'opening' ? bill.openingWh : bill.closingWh;
  const readAt = which === 'opening' ? bill.openingReadAt : bill.closingReadAt;
  if (!reading) return `${which} reading ${id} is not a stored reading`;
  if (reading.stream !== meterStream(bill.meterId))
    return `${which} reading ${id} belongs to ${reading.stream}, not meter ${bill.meterId}`;
  if (reading.registerWh !== registerWh)
    return `${which} register ${registerWh} Wh differs from the reading's ${reading.registerWh} Wh`;
  if (!sameInstant(reading.readAt, readAt))
    return `${which} readAt ${readAt} differs from the reading's ${reading.readAt}`;
  return null;
}

export const billRecomputeCheck: AuditCheck = {
  id: 'bill-recompute',
  title: 'bills recompute to the paisa from their readings and tariff version',
  start() {
    const tariffs = new Map<string, TariffVersion>();
    const readings = new Map<string, CitedReading>();
    const bills: { event: RecordedEvent; bill: IssuedBill }[] = [];
    const failures: AuditFailure[] = [];

    function observe(event: RecordedEvent): void {
      if (event.type === 'TariffVersionPublished' && event.stream.startsWith('tariff-')) {
        const parsed = parseData(tariffEvents.schemas.TariffVersionPublished, event);
        if (!parsed.ok) return void failures.push(parsed.failure);
        const { kind, publishedAt: _at, publishedBy: _by, ...terms } = parsed.data;
        tariffs.set(`${kind}/${terms.version}`, terms);
      } else if (event.type === 'ReadingRecorded' && event.stream.startsWith('meter-')) {
        // Malformed readings are the signature check's to report.
        const parsed = meterEvents.schemas.ReadingRecorded.safeParse(event.data);
        if (!parsed.success) return;
        const { registerWh, readAt } = parsed.data;
        readings.set(event.id, { stream: event.stream, registerWh, readAt });
      } else if (event.type === 'BillIssued' && event.stream.startsWith('bill-')) {
        const parsed = parseData(billEvents.schemas.BillIssued, event);
        if (!parsed.ok) return void failures.push(parsed.failure);
        bills.push({ event, bill: parsed.data });
      }
    }

    function judge(event: RecordedEvent, bill: IssuedBill): string | null {
      if (event.stream !== billStream(bill.propertyId, bill.period))
        return `bill of ${bill.propertyId} for ${bill.period} is in the wrong stream`;
      const opening = readingProblem(
        'opening',
        bill.openingReadingEventId,
        readings.get(bill.openingReadingEventId),
        bill,
      );
      if (opening) return opening;
      const closing = readingProblem(
        'closing',
        bill.closingReadingEventId,
        readings.get(bill.closingReadingEventId),
        bill,
      );
      if (closing) return closing;
      const tariff = tariffs.get(`${bill.tariffKind}/${bill.tariffVersion}`);
      if (!tariff) return `no ${bill.tariffKind} tariff version ${bill.tariffVersion}`;
      const again = recomputeBill(bill, tariff);
      return again.ok ? null : `does not recompute: ${again.reason}`;
    }

    return {
      observe,
      async finish() {
        for (const { event, bill } of bills) {
          const problem = judge(event, bill);
          if (problem) failures.push(failureAt(event, problem));
        }
        return { checked: bills.length, failures, notes: [`${tariffs.size} tariff versions`] };
      },
    };
  },
};
