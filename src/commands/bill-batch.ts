// Billing many answered meters of one close with few round trips: for each
// chunk, every meter's streams (billing history, property, meter stream,
// receivable) are read in one `readStreams` call (two chunks under way at
// once), its bill, receivable charge and history entry are decided
// in memory by their own deciders, and the chunk is written in two
// `appendMany` calls: the bills (each expecting no stream),
// then the charges and history entries of the bills that call created (each
// at the revision it was decided on). The events and their ids are exactly those
// the one-meter path (`billAnswer`) writes, so a meter whose append conflicts
// (a concurrent close, a payment landing meanwhile, a bill already issued)
// simply goes through `billAnswer`, which settles it idempotently.
//
// This path writes the receivable charge itself, through the receivable
// decider on the same store, as `storeBillingPorts().chargeBill` does.

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
import type {
  EventStore,
  NewEvent,
  RecordedEvent,
  StreamAppend,
  StreamRead,
} from '../eventstore/port.ts';
import { billAnswer, firstReading, type AnsweredMeter, type PeriodTariffs } from './bill-meter.ts';
import { sub, type BillingDeps } from './billing-shared.ts';
import { eventIdFor } from './handle-command.ts';
import { mapLimit } from './map-limit.ts';

/** Meters per round: one `readStreams` call, then two `appendMany` calls. */
const CHUNK = 1000;
/** Rounds under way at once. */
const CHUNKS_IN_FLIGHT = 2;
/** A meter stream this short is read from its start (answer and first reading at once). */
const FIRST_READING_WINDOW = 100;

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
  options: {
    concurrency: number;
    /** Called with each chunk's results, one call at a time, as chunks finish. */
    onChunk?: (chunk: AnsweredMeter[], results: (IssuedBill | string)[]) => Promise<void>;
    /**
     * The meters of a chunk still to bill, asked as the chunk starts (another
     * writer may have billed some meanwhile); the results then cover only those.
     */
    due?: (chunk: AnsweredMeter[]) => AnsweredMeter[] | Promise<AnsweredMeter[]>;
    /** Counts meters that took the one-meter path (billed elsewhere meanwhile, skipped, conflicts). */
    stats?: { oneMeterPath: number };
  },
): Promise<(IssuedBill | string)[]> {
  const chunks: AnsweredMeter[][] = [];
  for (let from = 0; from < meters.length; from += CHUNK)
    chunks.push(meters.slice(from, from + CHUNK));
  // CHUNKS_IN_FLIGHT chunks are read and written at once (different meters
  // and properties, so neither waits for the other; Node decides one while
  // Postgres writes another); their outcomes are reported one at a time.
  let reported: Promise<void> = Promise.resolve();
  const settled = await mapLimit(chunks, CHUNKS_IN_FLIGHT, async (all) => {
    const chunk = options.due ? await options.due(all) : all;
    if (chunk.length === 0) return [];
    const prepared = await prepareAll(deps.store, tariffs, chunk, metadata);
    const results = await writeChunk(deps, tariffs, chunk, prepared, metadata, options);
    reported = reported.then(() => options.onChunk?.(chunk, results));
    await reported;
    return results;
  });
  return settled.flat();
}

async function writeChunk(
  deps: BillingDeps,
  tariffs: PeriodTariffs,
  chunk: AnsweredMeter[],
  prepared: Prepared[],
  metadata: CommandMetadata,
  { concurrency, stats }: { concurrency: number; stats?: { oneMeterPath: number } },
): Promise<(IssuedBill | string)[]> {
  // Bills first: only a meter whose bill this append created may have its
  // charge and history written from the bill decided here.
  const ready = prepared.flatMap((p, i) => (p.kind === 'ready' ? [{ p, i }] : []));
  const issued = await appendAll(
    deps.store,
    ready.map(({ p }) => p.appends[0]!),
  );
  const billed = ready.filter((_, k) => issued[k]!.ok);
  const followUps = await appendAll(
    deps.store,
    billed.flatMap(({ p }) => p.appends.slice(1)),
  );
  const written = new Map<number, boolean>();
  billed.forEach(({ i }, k) =>
    written.set(
      i,
      followUps.slice(k * 2, k * 2 + 2).every((o) => o.ok),
    ),
  );
  return mapLimit(chunk, concurrency, async (m, i) => {
    const p = prepared[i]!;
    if (p.kind === 'ready' && written.get(i)) {
      if (p.bill.missedPeriods > 0)
        await deps.ports.unflagProperty(
          { propertyId: m.propertyId, runId: m.runId },
          sub(metadata, `unflag/${m.meterId}`),
        );
      return p.bill;
    }
    // Everything else, skips included, takes the one-meter path: it looks
    // for a bill already issued (by a retried close) before saying why not.
    if (stats) stats.oneMeterPath++;
    return billAnswer(deps, tariffs, m, metadata);
  });
}

/** The four streams `prepare` decides one meter's bill from, as reads of one `readStreams` call. */
function readsFor(at: AnsweredMeter): StreamRead[] {
  const { meterId, propertyId, readingRevision } = at;
  // No look for an existing bill: the bill's append expects no stream, so a
  // bill issued already fails that append and the meter goes the one-meter way.
  // A short meter stream is read from its start, which also yields the first
  // reading (the opening of a meter never billed) without another read.
  const fromStart = readingRevision < FIRST_READING_WINDOW;
  return [
    { stream: meterBillingStream(meterId) },
    { stream: propertyStream(propertyId) },
    fromStart
      ? { stream: meterStream(meterId), fromRevision: 0, limit: readingRevision + 1 }
      : { stream: meterStream(meterId), fromRevision: readingRevision, limit: 1 },
    { stream: receivableStream(propertyId) },
  ];
}

/** Reads every meter's streams in one `readStreams` call and decides each meter's appends. */
async function prepareAll(
  store: EventStore,
  tariffs: PeriodTariffs,
  meters: AnsweredMeter[],
  metadata: CommandMetadata,
): Promise<Prepared[]> {
  const read = await store.readStreams(meters.flatMap(readsFor));
  return Promise.all(
    meters.map((m, i) =>
      prepare(store, tariffs, m, metadata, read.slice(i * 4, i * 4 + 4) as StreamsOfMeter),
    ),
  );
}

type StreamsOfMeter = [RecordedEvent[], RecordedEvent[], RecordedEvent[], RecordedEvent[]];

async function prepare(
  store: EventStore,
  tariffs: PeriodTariffs,
  at: AnsweredMeter,
  metadata: CommandMetadata,
  [historyEvents, propertyEvents, meterEvents, receivableEvents]: StreamsOfMeter,
): Promise<Prepared> {
  const { runId, meterId, propertyId, period, readingEventId, readingRevision } = at;
  const fromStart = readingRevision < FIRST_READING_WINDOW;
  const answer = fromStart ? meterEvents.slice(readingRevision) : meterEvents;
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
    : ((fromStart ? firstReadingIn(meterEvents) : await firstReading(store, meterId)) ?? closing);
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

const appendAll = (store: EventStore, appends: StreamAppend[]) =>
  appends.length === 0 ? Promise.resolve([]) : store.appendMany(appends);

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
