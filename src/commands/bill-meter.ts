// Billing one answered meter of a run: opening = closing reading of the
// meter's last bill (or its first reading), closing = the answer, tariff in
// force at the end of the period, arrears from the receivable, penalty for
// the periods missed in a row before it. At most one bill per property and
// period, whatever retries or concurrent closes of the same run do: a bill
// already issued for the period is the meter's bill, never a reason to skip.

import {
  billDecider,
  billStream,
  findReading,
  firstReadingIn,
  lastBilledReading,
  periodEnd,
  type IssueBill,
  type IssuedBill,
} from '../domain/billing/index.ts';
import {
  meterBillingDecider,
  meterBillingStream,
  type MeterBillingCommand,
} from '../domain/billing/meterbilling/index.ts';
import { meterStream } from '../domain/meter/index.ts';
import { propertyDecider, propertyStream, type PropertyKind } from '../domain/property/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { TariffVersion } from '../domain/tariff/index.ts';
import type { EventStore } from '../eventstore/port.ts';
import { fail, loadRun, onRun, sub, type BillingDeps } from './billing-shared.ts';
import { foldStream, handleCommand } from './handle-command.ts';
import { tariffInForceOn } from './tariffs.ts';

export type BillMeterResult =
  | { outcome: 'billed'; bill: IssuedBill; position: string | null }
  | { outcome: 'skipped'; reason: string; position: string | null };

/** What one close looks up once for all its meters: the tariff of each property kind. */
export class PeriodTariffs {
  private readonly byKind = new Map<PropertyKind, Promise<TariffVersion | null>>();
  constructor(
    private readonly store: EventStore,
    readonly period: string,
  ) {}

  inForce(kind: PropertyKind): Promise<TariffVersion | null> {
    let found = this.byKind.get(kind);
    if (!found) {
      found = tariffInForceOn(this.store, kind, periodEnd(this.period));
      this.byKind.set(kind, found);
    }
    return found;
  }
}

export interface AnsweredMeter {
  runId: string;
  meterId: string;
  propertyId: string;
  period: string;
  readingEventId: string;
  readingRevision: number;
}

/**
 * Bills an answered meter of a run and records it on the run (`MeterBilled`,
 * or `MeterSkipped` with the reason it cannot be billed). A meter the run
 * already shows billed returns its bill.
 */
export async function billMeter(
  deps: BillingDeps,
  input: { runId: string; meterId: string },
  metadata: CommandMetadata,
): Promise<BillMeterResult> {
  const { store } = deps;
  const { runId, meterId } = input;
  const run = await loadRun(store, runId);
  const meter = run.status === 'none' ? undefined : run.meters[meterId];
  if (run.status === 'none' || !meter)
    throw fail('METER_NOT_ANSWERED', `meter ${meterId} is not in run ${runId}`);
  if (meter.status === 'billed') {
    const billed = await foldStream(store, billStream(meter.propertyId, run.period), billDecider);
    if (billed.status === 'issued') return { outcome: 'billed', bill: billed.bill, position: null };
  }
  if (meter.status === 'skipped')
    return { outcome: 'skipped', reason: meter.skipReason ?? '', position: null };
  const { propertyId, readingEventId, readingRevision } = meter;
  if (readingEventId === null || readingRevision === null || meter.status !== 'answered')
    throw fail('METER_NOT_ANSWERED', `meter ${meterId} is ${meter.status}`);
  const at = { runId, meterId, propertyId, period: run.period, readingEventId, readingRevision };
  const outcome = await billAnswer(deps, new PeriodTariffs(store, run.period), at, metadata);
  if (typeof outcome === 'string') {
    const skipped = await onRun(store, runId, skipMeter(meterId, outcome, metadata));
    return { outcome: 'skipped', reason: outcome, position: skipped.position };
  }
  const recorded = await onRun(store, runId, meterBilled(meterId, outcome.billId, metadata));
  return { outcome: 'billed', bill: outcome, position: recorded.position };
}

/** The run's record that a meter is billed, with the id every close derives alike. */
export const meterBilled = (meterId: string, billId: string, metadata: CommandMetadata) => ({
  type: 'RecordMeterBilled' as const,
  data: { meterId, billId },
  metadata: sub(metadata, `billed/${meterId}`),
});

export const skipMeter = (meterId: string, reason: string, metadata: CommandMetadata) => ({
  type: 'SkipMeter' as const,
  data: { meterId, reason },
  metadata: sub(metadata, `skip/${meterId}`),
});

/**
 * Everything of billing one answered meter except the run's record: the bill,
 * its charge on the receivable, the meter's billing history and clearing a
 * miss flag. Returns the bill, or the reason the meter cannot be billed now.
 */
export async function billAnswer(
  deps: BillingDeps,
  tariffs: PeriodTariffs,
  at: AnsweredMeter,
  metadata: CommandMetadata,
): Promise<IssuedBill | string> {
  const { store, ports } = deps;
  const { meterId, propertyId, period, runId } = at;
  const issued = await issueOnce(deps, tariffs, at, metadata);
  if (typeof issued === 'string') return issued;
  await ports.chargeBill(issued, sub(metadata, `charge/${meterId}`));
  const { billId, closingReadingEventId, closingWh, closingReadAt } = issued;
  await onMeterBilling(store, meterId, {
    type: 'RecordPeriodBilled',
    data: { period, propertyId, billId, closingReadingEventId, closingWh, closingReadAt, runId },
    metadata: sub(metadata, `history/${meterId}`),
  });
  if (issued.missedPeriods > 0)
    await ports.unflagProperty({ propertyId, runId }, sub(metadata, `unflag/${meterId}`));
  return issued;
}

const issuedBill = async (store: EventStore, propertyId: string, period: string) => {
  const state = await foldStream(store, billStream(propertyId, period), billDecider);
  return state.status === 'issued' ? state.bill : null;
};

/**
 * The period's bill for the property: the one already issued (by a retry,
 * another close of the same run, or another run), or a new one. A string is
 * the reason it cannot be billed now; the run records it as a skip (so a
 * close always completes the run), and the next successful read bills every
 * unit since the last bill: nothing is lost.
 */
async function issueOnce(
  deps: BillingDeps,
  tariffs: PeriodTariffs,
  at: AnsweredMeter,
  metadata: CommandMetadata,
): Promise<IssuedBill | string> {
  const { store, ports } = deps;
  const { runId, meterId, propertyId, period, readingEventId, readingRevision } = at;
  const existing = await issuedBill(store, propertyId, period);
  if (existing) return existing;
  const history = await foldStream(store, meterBillingStream(meterId), meterBillingDecider);
  if (history.lastPeriod !== null && history.lastPeriod >= period)
    // A concurrent close may have issued and recorded this period's bill
    // since the look above: that bill stands, and the meter is billed.
    return (
      (await issuedBill(store, propertyId, period)) ??
      `meter already ${history.lastOutcome} for ${history.lastPeriod}`
    );
  const property = await foldStream(store, propertyStream(propertyId), propertyDecider);
  if (property.status === 'none') return `no property ${propertyId}`;
  if (property.status !== 'approved') return `property is ${property.status}`;
  const tariff = await tariffs.inForce(property.kind);
  if (!tariff) return `no ${property.kind} tariff in force on ${periodEnd(period)}`;
  const closing = await loadReading(store, meterId, readingEventId, readingRevision);
  if (!closing) return `answer ${readingEventId} is not a reading of meter ${meterId}`;
  const command: IssueBill = {
    type: 'IssueBill',
    data: {
      propertyId,
      period,
      meterId,
      tenantAccountId: property.tenantId,
      ownerAccountId: property.ownerId,
      opening: history.lastBilled
        ? lastBilledReading(history.lastBilled)
        : ((await firstReading(store, meterId)) ?? closing),
      closing,
      tariffKind: property.kind,
      tariff,
      arrearsPaise: await ports.balanceOf(propertyId),
      missedPeriods: history.consecutiveMisses,
      runId,
    },
    metadata: sub(metadata, `bill/${meterId}`),
  };
  try {
    const result = await handleCommand(store, billStream(propertyId, period), billDecider, command);
    // Decided on an empty stream: these events are the whole stream.
    const state = result.events.reduce(billDecider.evolve, billDecider.initialState);
    if (state.status === 'issued') return state.bill;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Another run or a retry issued it first: that bill stands. Any other
    // code is a reading the calculation refuses (e.g. a meter clock that went
    // backwards): the run records why instead of stalling on it.
    if (error.code !== 'BILL_ALREADY_ISSUED') return `cannot bill: ${error.code}: ${error.message}`;
  }
  const bill = await issuedBill(store, propertyId, period);
  if (!bill) throw new Error(`bill for ${propertyId} ${period} vanished`);
  return bill;
}

/** One reading, read by its revision and checked by its event id. */
export async function loadReading(
  store: EventStore,
  meterId: string,
  eventId: string,
  revision: number,
) {
  const events = await store.readStream(meterStream(meterId), { fromRevision: revision, limit: 1 });
  return findReading(events, eventId);
}

// Meter streams hold every reading: page from the start for the first one.
const PAGE = 100;
export async function firstReading(store: EventStore, meterId: string) {
  for (let fromRevision = 0; ; fromRevision += PAGE) {
    const page = await store.readStream(meterStream(meterId), { fromRevision, limit: PAGE });
    const first = firstReadingIn(page);
    if (first || page.length < PAGE) return first;
  }
}

export function onMeterBilling(store: EventStore, meterId: string, command: MeterBillingCommand) {
  return handleCommand(store, meterBillingStream(meterId), meterBillingDecider, command);
}
