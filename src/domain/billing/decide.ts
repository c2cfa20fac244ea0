// Issuing a bill. The command carries the readings, the tariff version and the
// arrears; the decider prices them with `calculateBill`, so a bill event can
// only ever hold what the pure calculation gives for its recorded inputs.

import { DomainError, type Command } from '../shared/decider.ts';
import type { PropertyKind, TariffVersion } from '../tariff/events.ts';
import { calculateBill, type BillCalculationCode, type ReadingRef } from './calculate-bill.ts';
import { billIdFor, periodPattern, type BillEvent, type BillState } from './events.ts';

export type IssueBill = Command<
  'IssueBill',
  {
    propertyId: string;
    period: string;
    meterId: string;
    tenantAccountId: string | null;
    ownerAccountId: string;
    opening: ReadingRef;
    closing: ReadingRef;
    tariffKind: PropertyKind;
    tariff: TariffVersion;
    arrearsPaise: number;
    missedPeriods: number;
    runId: string | null;
  }
>;

export type BillCommand = IssueBill;

export type BillErrorCode = BillCalculationCode | 'BILL_ALREADY_ISSUED' | 'INVALID_PERIOD';
export type BillError = DomainError<BillErrorCode>;

export function decide(command: BillCommand, state: BillState): BillEvent[] | BillError {
  switch (command.type) {
    case 'IssueBill': {
      const d = command.data;
      if (state.status === 'issued')
        return new DomainError('BILL_ALREADY_ISSUED', `bill ${state.bill.billId} already issued`);
      if (!periodPattern.test(d.period))
        return new DomainError('INVALID_PERIOD', 'period must be YYYY-MM');
      const issuedAt = command.metadata.now;
      const bill = calculateBill({
        opening: d.opening,
        closing: d.closing,
        tariff: d.tariff,
        arrearsPaise: d.arrearsPaise,
        missedPeriods: d.missedPeriods,
        issuedAt,
      });
      if (bill instanceof DomainError) return bill;
      return [
        {
          type: 'BillIssued',
          data: {
            billId: billIdFor(d.propertyId, d.period),
            propertyId: d.propertyId,
            period: d.period,
            tenantAccountId: d.tenantAccountId,
            ownerAccountId: d.ownerAccountId,
            meterId: d.meterId,
            openingReadingEventId: d.opening.eventId,
            closingReadingEventId: d.closing.eventId,
            openingWh: d.opening.registerWh,
            closingWh: d.closing.registerWh,
            openingReadAt: d.opening.readAt,
            closingReadAt: d.closing.readAt,
            units: bill.units,
            tariffKind: d.tariffKind,
            tariffVersion: bill.tariffVersion,
            arrearsPaise: d.arrearsPaise,
            missedPeriods: d.missedPeriods,
            lines: bill.lines,
            totalPaise: bill.totalPaise,
            chargesPaise: bill.totalPaise - d.arrearsPaise,
            issuedAt,
            dueDate: bill.dueDate,
            runId: d.runId,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command.type;
      return _exhaustive;
    }
  }
}
