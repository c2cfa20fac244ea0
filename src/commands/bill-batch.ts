// Billing many answered meters of one close with few round trips: for each
// chunk, every meter's streams are read concurrently (bill, billing history,
// property, closing reading, receivable), its bill, receivable charge and
// history entry are decided in memory by their own deciders, and the whole
// chunk is written in one `appendMany` (three streams per meter, each at the
// revision it was decided on). The events and their ids are exactly those
// the one-meter path (`billAnswer`) writes, so a meter whose append conflicts
// (a concurrent close, a payment landing meanwhile) or that already has its
// bill simply goes through `billAnswer`, which settles it idempotently.
//
// This path writes the receivable charge itself, through the receivable
// decider on the same store, as `storeBillingPorts().chargeBill` does.

import {
  billDecider,
  billStream,
  findReading,
  lastBilledReading,
  periodEnd,
  type IssueBill,
  type IssuedBill,
} from '../domain/billing/index.ts';
import {
  meterBillingDecider,
  meterBillingStream,
  type RecordPeriodBilled,
} from '../domain/billing/meterbilling/index.ts';
import { meterStream } from '../domain/meter/index.ts';
import { propertyDecider, propertyStream } from '../domain/property/index.ts';
import {
  balanceOf,
  receivableDecider,
  receivableStream,
  type ChargeBill,
} from '../domain/receivable/index.ts';
import { DomainError, type CommandMetadata, type Decider } from '../domain/shared/decider.ts';
import type { EventStore, NewEvent, RecordedEvent, StreamAppend } from '../eventstore/port.ts';
import { billAnswer, firstReading, type AnsweredMeter, type PeriodTariffs } from './bill-meter.ts';
import { sub, type BillingDeps } from './billing-shared.ts';
import { eventIdFor } from './handle-command.ts';
import { mapLimit } from './map-limit.ts';

/** Meters per `appendMany`: three streams each. */
const CHUNK = 200;

type Prepared =
  | { kind: 'ready'; bill: IssuedBill; appends: StreamAppend[] }
  | { kind: 'skip'; reason: string }
  /** Already (partly) billed, or history ahead: the one-meter path settles it. */
  | { kind: 'single' };

/** Bills `meters` (answered, same run and period); each result is the bill or why it was skipped. */
export async function billAnsweredMeters(
  deps: BillingDeps,
  tariffs: PeriodTariffs,
  meters: AnsweredMeter[],
  metadata: CommandMetadata,
  concurrency: number,
): Promise<(IssuedBill | string)[]> {
  const results: (IssuedBill | string)[] = [];
  for (let from = 0; from < meters.length; from += CHUNK) {
    const chunk = meters.slice(from, from + CHUNK);
    const prepared = await mapLimit(chunk, concurrency, (m) =>
      prepare(deps.store, tariffs, m, metadata),
    );
    const ready = prepared.flatMap((p, i) => (p.kind === 'ready' ? [{ p, i }] : []));
    const outcomes = await deps.store.appendMany(ready.flatMap(({ p }) => p.appends));
    const written = new Map<number, boolean>();
    ready.forEach(({ i }, k) =>
      written.set(
        i,
        outcomes.slice(k * 3, k * 3 + 3).every((o) => o.ok),
      ),
    );
    const settled = await mapLimit(chunk, concurrency, async (m, i) => {
      const p = prepared[i]!;
      if (p.kind === 'skip') return p.reason;
      if (p.kind === 'ready' && written.get(i)) {
        if (p.bill.missedPeriods > 0)
          await deps.ports.unflagProperty(
            { propertyId: m.propertyId, runId: m.runId },
            sub(metadata, `unflag/${m.meterId}`),
          );
        return p.bill;
      }
      return billAnswer(deps, tariffs, m, metadata);
    });
    results.push(...settled);
  }
  return results;
}

async function prepare(
  store: EventStore,
  tariffs: PeriodTariffs,
  at: AnsweredMeter,
  metadata: CommandMetadata,
): Promise<Prepared> {
  const { runId, meterId, propertyId, period, readingEventId, readingRevision } = at;
  const [billed, historyEvents, propertyEvents, answer, receivableEvents] = await Promise.all([
    store.readStream(billStream(propertyId, period)),
    store.readStream(meterBillingStream(meterId)),
    store.readStream(propertyStream(propertyId)),
    store.readStream(meterStream(meterId), { fromRevision: readingRevision, limit: 1 }),
    store.readStream(receivableStream(propertyId)),
  ]);
  if (billed.length > 0) return { kind: 'single' };
  const history = fold(meterBillingDecider, historyEvents);
  if (history.lastPeriod !== null && history.lastPeriod >= period) return { kind: 'single' };
  const property = fold(propertyDecider, propertyEvents);
  if (property.status === 'none') return { kind: 'skip', reason: `no property ${propertyId}` };
  if (property.status !== 'approved')
    return { kind: 'skip', reason: `property is ${property.status}` };
  const tariff = await tariffs.inForce(property.kind);
  if (!tariff)
    return { kind: 'skip', reason: `no ${property.kind} tariff in force on ${periodEnd(period)}` };
  const closing = findReading(answer, readingEventId);
  if (!closing)
    return {
      kind: 'skip',
      reason: `answer ${readingEventId} is not a reading of meter ${meterId}`,
    };
  const opening = history.lastBilled
    ? lastBilledReading(history.lastBilled)
    : ((await firstReading(store, meterId)) ?? closing);
  const receivable = fold(receivableDecider, receivableEvents);
  const issue: IssueBill = {
    type: 'IssueBill',
    data: {
      ...{ propertyId, period, meterId, opening, closing, tariff, runId },
      tenantAccountId: property.tenantId,
      ownerAccountId: property.ownerId,
      tariffKind: property.kind,
      arrearsPaise: balanceOf(receivable),
      missedPeriods: history.consecutiveMisses,
    },
    metadata: sub(metadata, `bill/${meterId}`),
  };
  const billEvents = billDecider.decide(issue, billDecider.initialState);
  if (billEvents instanceof DomainError)
    return { kind: 'skip', reason: `cannot bill: ${billEvents.code}: ${billEvents.message}` };
  const state = billEvents.reduce(billDecider.evolve, billDecider.initialState);
  if (state.status !== 'issued') throw new Error(`bill for ${propertyId} ${period} not issued`);
  const { bill } = state;
  const charge: ChargeBill = {
    type: 'ChargeBill',
    data: { billId: bill.billId, period, amountPaise: bill.chargesPaise, dueDate: bill.dueDate },
    metadata: sub(metadata, `charge/${meterId}`),
  };
  const record: RecordPeriodBilled = {
    type: 'RecordPeriodBilled',
    data: {
      ...{ period, propertyId, billId: bill.billId, runId },
      closingReadingEventId: bill.closingReadingEventId,
      closingWh: bill.closingWh,
      closingReadAt: bill.closingReadAt,
    },
    metadata: sub(metadata, `history/${meterId}`),
  };
  const chargeEvents = receivableDecider.decide(charge, receivable);
  const historyEvents2 = meterBillingDecider.decide(record, history);
  if (chargeEvents instanceof DomainError || historyEvents2 instanceof DomainError)
    return { kind: 'single' };
  return {
    kind: 'ready',
    bill,
    appends: [
      append(billStream(propertyId, period), -1, issue.metadata, billEvents),
      append(
        receivableStream(propertyId),
        receivableEvents.length - 1,
        charge.metadata,
        chargeEvents,
      ),
      append(
        meterBillingStream(meterId),
        historyEvents.length - 1,
        record.metadata,
        historyEvents2,
      ),
    ],
  };
}

const fold = <S, E>(
  decider: Pick<Decider<never, E, S>, 'evolve' | 'initialState'>,
  events: RecordedEvent[],
) => events.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState);

/** An append of a command's events, with the ids and metadata `handleCommand` gives them. */
function append(
  stream: string,
  revision: number,
  metadata: CommandMetadata,
  events: { type: string; data: object }[],
): StreamAppend {
  const { commandId, actor, now } = metadata;
  const newEvents: NewEvent[] = events.map((event, index) => ({
    id: eventIdFor(commandId, index),
    type: event.type,
    data: event.data as NewEvent['data'],
    metadata: { commandId, actor, at: now },
  }));
  return {
    stream,
    events: newEvents,
    expectedRevision: revision === -1 ? 'no_stream' : revision,
  };
}
