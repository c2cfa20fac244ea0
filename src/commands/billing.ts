// Application services for bill runs: start a run, record the gateway's
// requests and answers, bill an answered meter, close the run at its deadline
// (record misses, apply the miss rules). Sub-commands carry ids derived from
// the caller's command id, so any step, or a whole close, can be retried after
// a crash and settles where the first attempt would have. Other features are
// reached through `BillingPorts`; `storeBillingPorts` wires them on one store.

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
import {
  billRunDecider,
  billRunProgress,
  billRunStream,
  type BillRunCommand,
  type BillRunProgress,
  type RunMeter,
} from '../domain/billrun/index.ts';
import { meterDecider, meterStream } from '../domain/meter/index.ts';
import { propertyDecider, propertyStream, type PropertyCommand } from '../domain/property/index.ts';
import { balanceOf } from '../domain/receivable/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { foldStream, handleCommand } from './handle-command.ts';
import { chargeBill, receivableOf } from './receivables.ts';
import { requireRole, tariffInForceOn } from './tariffs.ts';

/** Actor of every command the billing process issues on others' streams. */
export const BILLING_ACTOR = 'system:billrun';

export interface BillingPorts {
  /** The property's receivable balance in paise (negative is credit). */
  balanceOf(propertyId: string): Promise<number>;
  chargeBill(bill: IssuedBill, metadata: CommandMetadata): Promise<void>;
  /** First consecutive miss: flag the property (owner and tenant are notified from the event). */
  flagProperty(input: MissInput, metadata: CommandMetadata): Promise<void>;
  /** A successful read after a miss clears the flag. */
  unflagProperty(
    input: Pick<MissInput, 'propertyId' | 'runId'>,
    meta: CommandMetadata,
  ): Promise<void>;
  /** Second consecutive miss: disable meter and property. */
  disableMeterAndProperty(input: MissInput, metadata: CommandMetadata): Promise<void>;
}

export interface MissInput {
  meterId: string;
  propertyId: string;
  runId: string;
  period: string;
  consecutiveMisses: number;
}

export interface BillingDeps {
  store: EventStore;
  ports: BillingPorts;
}

export type BillingServiceErrorCode =
  'READING_NOT_FOUND' | 'METER_NOT_ANSWERED' | 'PROPERTY_NOT_FOUND' | 'METER_NOT_ON_PROPERTY';

const fail = (code: BillingServiceErrorCode, message: string) =>
  new DomainError<BillingServiceErrorCode>(code, message);

/** A sub-command's metadata: same time, a derived id, the billing actor. */
const sub = (metadata: CommandMetadata, step: string): CommandMetadata => ({
  now: metadata.now,
  commandId: `${metadata.commandId}/${step}`,
  actor: BILLING_ACTOR,
});

function onRun(store: EventStore, runId: string, command: BillRunCommand) {
  return handleCommand(store, billRunStream(runId), billRunDecider, command);
}

const loadRun = (store: EventStore, runId: string) =>
  foldStream(store, billRunStream(runId), billRunDecider);

export async function startBillRun(
  deps: BillingDeps,
  input: { runId: string; period: string; deadline: string; meters: RunMeter[] },
  metadata: CommandMetadata,
): Promise<{ position: string | null; runId: string }> {
  const { store } = deps;
  await requireRole(store, metadata.actor, ['superuser', 'admin']);
  // A wrong pairing would bill one property for another's meter: check each
  // against the property's own record of its approved meter.
  const properties = await Promise.all(
    input.meters.map((m) => foldStream(store, propertyStream(m.propertyId), propertyDecider)),
  );
  input.meters.forEach(({ meterId, propertyId }, i) => {
    const property = properties[i]!;
    if (property.status === 'none') throw fail('PROPERTY_NOT_FOUND', `no property ${propertyId}`);
    if (property.meterId !== meterId)
      throw fail('METER_NOT_ON_PROPERTY', `meter ${meterId} is not on property ${propertyId}`);
  });
  const result = await onRun(store, input.runId, { type: 'StartBillRun', data: input, metadata });
  return { position: result.position, runId: input.runId };
}

/** The gateway asked a meter for its reading (fan-out or on connect). */
export async function requestMeterRead(
  deps: BillingDeps,
  input: { runId: string; meterId: string },
  metadata: CommandMetadata,
): Promise<{ position: string | null }> {
  const data = { meterId: input.meterId };
  const result = await onRun(deps.store, input.runId, { type: 'RequestMeterRead', data, metadata });
  return { position: result.position };
}

/**
 * The gateway stored a reading in answer to the run: record it (a repeat is a
 * no-op). `readingRevision` is the reading's revision in the meter stream, as
 * the gateway's append returned it; only that one event is read back.
 */
export async function recordMeterAnswer(
  deps: BillingDeps,
  input: { runId: string; meterId: string; readingEventId: string; readingRevision: number },
  metadata: CommandMetadata,
): Promise<{ position: string | null }> {
  const { meterId, readingEventId, readingRevision } = input;
  if (!(await loadReading(deps.store, meterId, readingEventId, readingRevision)))
    throw fail('READING_NOT_FOUND', `no reading ${readingEventId} in meter ${meterId}`);
  const data = { meterId, readingEventId, readingRevision };
  const command = { type: 'RecordMeterAnswer' as const, data, metadata };
  const result = await onRun(deps.store, input.runId, command);
  return { position: result.position };
}

/** One reading, read by its revision and checked by its event id. */
async function loadReading(store: EventStore, meterId: string, eventId: string, revision: number) {
  const events = await store.readStream(meterStream(meterId), { fromRevision: revision, limit: 1 });
  return findReading(events, eventId);
}

// Meter streams hold every reading: page from the start for the first one.
const PAGE = 100;
async function firstReading(store: EventStore, meterId: string) {
  for (let fromRevision = 0; ; fromRevision += PAGE) {
    const page = await store.readStream(meterStream(meterId), { fromRevision, limit: PAGE });
    const first = firstReadingIn(page);
    if (first || page.length < PAGE) return first;
  }
}

export type BillMeterResult =
  | { outcome: 'billed'; bill: IssuedBill; position: string | null }
  | { outcome: 'skipped'; reason: string; position: string | null };

/**
 * Bills an answered meter: opening = closing reading of the meter's last bill
 * (or its first reading), closing = the answer, tariff in force at the end of
 * the period, arrears from the receivable, penalty for the periods missed in a
 * row before it. At most one bill per property and period, whatever retries.
 */
export async function billMeter(
  deps: BillingDeps,
  input: { runId: string; meterId: string },
  metadata: CommandMetadata,
): Promise<BillMeterResult> {
  const { store, ports } = deps;
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
  const { period } = run;

  const at = { runId, meterId, propertyId, period, readingEventId, readingRevision };
  const issued = await issueOnce(deps, at, metadata);
  if (typeof issued === 'string') {
    const skipped = await onRun(store, runId, {
      type: 'SkipMeter',
      data: { meterId, reason: issued },
      metadata: sub(metadata, `skip/${meterId}`),
    });
    return { outcome: 'skipped', reason: issued, position: skipped.position };
  }

  await ports.chargeBill(issued, sub(metadata, `charge/${meterId}`));
  const { billId, closingReadingEventId, closingWh, closingReadAt } = issued;
  await onMeterBilling(store, meterId, {
    type: 'RecordPeriodBilled',
    data: { period, propertyId, billId, closingReadingEventId, closingWh, closingReadAt, runId },
    metadata: sub(metadata, `history/${meterId}`),
  });
  if (issued.missedPeriods > 0)
    await ports.unflagProperty({ propertyId, runId }, sub(metadata, `unflag/${meterId}`));
  const recorded = await onRun(store, runId, {
    type: 'RecordMeterBilled',
    data: { meterId, billId },
    metadata: sub(metadata, `billed/${meterId}`),
  });
  return { outcome: 'billed', bill: issued, position: recorded.position };
}

/**
 * The period's bill for the property: the one already issued (by a retry or
 * another run), or a new one. A string is the reason it cannot be billed now;
 * the run records it as a skip (so a close always completes the run), and the
 * next successful read bills every unit since the last bill: nothing is lost.
 */
async function issueOnce(
  deps: BillingDeps,
  at: Omit<MissInput, 'consecutiveMisses'> & { readingEventId: string; readingRevision: number },
  metadata: CommandMetadata,
): Promise<IssuedBill | string> {
  const { store, ports } = deps;
  const { runId, meterId, propertyId, period, readingEventId, readingRevision } = at;
  const existing = await foldStream(store, billStream(propertyId, period), billDecider);
  if (existing.status === 'issued') return existing.bill;
  const history = await foldStream(store, meterBillingStream(meterId), meterBillingDecider);
  if (history.lastPeriod !== null && history.lastPeriod >= period)
    return `meter already ${history.lastOutcome} for ${history.lastPeriod}`;
  const property = await foldStream(store, propertyStream(propertyId), propertyDecider);
  if (property.status === 'none') return `no property ${propertyId}`;
  if (property.status !== 'approved') return `property is ${property.status}`;
  const tariff = await tariffInForceOn(store, property.kind, periodEnd(period));
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
    await handleCommand(store, billStream(propertyId, period), billDecider, command);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Another run or a retry issued it first: that bill stands. Any other
    // code is a reading the calculation refuses (e.g. a meter clock that went
    // backwards): the run records why instead of stalling on it.
    if (error.code !== 'BILL_ALREADY_ISSUED') return `cannot bill: ${error.code}: ${error.message}`;
  }
  const issued = await foldStream(store, billStream(propertyId, period), billDecider);
  if (issued.status !== 'issued') throw new Error(`bill for ${propertyId} ${period} vanished`);
  return issued.bill;
}

function onMeterBilling(store: EventStore, meterId: string, command: MeterBillingCommand) {
  return handleCommand(store, meterBillingStream(meterId), meterBillingDecider, command);
}

export interface MissOutcome extends MissInput {
  /** 'none' when the rule could not apply (e.g. the property was deactivated); `note` says why. */
  action: 'flagged' | 'disabled' | 'none';
  note: string | null;
}

export interface CloseResult {
  position: string | null;
  /** Meters recorded missed in this run and what followed for each. */
  missed: MissOutcome[];
  progress: BillRunProgress;
}

const isSystemActor = (actor: string): boolean => actor.startsWith('system:');

/** Records one meter's miss in its history and applies the rule for its count of misses in a row. */
async function applyMiss(
  deps: BillingDeps,
  at: Omit<MissInput, 'consecutiveMisses'>,
  metadata: CommandMetadata,
): Promise<MissOutcome> {
  const { store, ports } = deps;
  const { meterId, propertyId, runId, period } = at;
  let consecutiveMisses = 0;
  try {
    await onMeterBilling(store, meterId, {
      type: 'RecordPeriodMissed',
      data: { period, propertyId, runId },
      metadata: sub(metadata, `missed/${meterId}`),
    });
    const history = await foldStream(store, meterBillingStream(meterId), meterBillingDecider);
    // A close retried long after: the count now belongs to a later period.
    if (history.lastPeriod !== period || history.lastOutcome !== 'missed')
      return {
        ...at,
        consecutiveMisses,
        action: 'none',
        note: `history moved on to ${history.lastPeriod}`,
      };
    consecutiveMisses = history.consecutiveMisses;
    const miss = { ...at, consecutiveMisses };
    if (consecutiveMisses >= 2) {
      await ports.disableMeterAndProperty(miss, sub(metadata, `disable/${meterId}`));
      return { ...miss, action: 'disabled', note: null };
    }
    await ports.flagProperty(miss, sub(metadata, `flag/${meterId}`));
    return { ...miss, action: 'flagged', note: null };
  } catch (error) {
    // e.g. the owner deactivated the property meanwhile: nothing left to flag.
    if (!(error instanceof DomainError)) throw error;
    return { ...at, consecutiveMisses, action: 'none', note: `${error.code}: ${error.message}` };
  }
}

/**
 * At or after the deadline: records every unanswered meter as missed, applies
 * the miss rules (1st consecutive miss flags the property, 2nd disables meter
 * and property), and bills answered meters not billed yet, so the run completes.
 * Admins, superusers or the scheduler (a `system:` actor) may close a run.
 */
export async function closeBillRun(
  deps: BillingDeps,
  input: { runId: string },
  metadata: CommandMetadata,
): Promise<CloseResult> {
  const { store } = deps;
  const { runId } = input;
  if (!isSystemActor(metadata.actor))
    await requireRole(store, metadata.actor, ['superuser', 'admin']);
  const closed = await onRun(store, runId, { type: 'CloseBillRun', data: {}, metadata });
  let run = await loadRun(store, runId);
  if (run.status === 'none') throw new Error(`run ${runId} vanished`);
  const { period } = run;

  const missed: MissOutcome[] = [];
  for (const [meterId, meter] of Object.entries(run.meters))
    if (meter.status === 'missed')
      missed.push(
        await applyMiss(deps, { meterId, propertyId: meter.propertyId, runId, period }, metadata),
      );
  for (const [meterId, meter] of Object.entries(run.meters))
    if (meter.status === 'answered')
      await billMeter(deps, { runId, meterId }, sub(metadata, 'close'));

  run = await loadRun(store, runId);
  return { position: closed.position, missed, progress: billRunProgress(run) };
}

/** Ports wired to the property, meter and receivable features on the same store. */
export function storeBillingPorts(store: EventStore): BillingPorts {
  const onProperty = (propertyId: string, command: PropertyCommand) =>
    handleCommand(store, propertyStream(propertyId), propertyDecider, command);
  return {
    balanceOf: async (propertyId) => balanceOf(await receivableOf(store, propertyId)),
    async chargeBill({ propertyId, billId, period, chargesPaise: amountPaise, dueDate }, metadata) {
      await chargeBill({ store }, { propertyId, billId, period, amountPaise, dueDate }, metadata);
    },
    async flagProperty({ propertyId, runId, period }, metadata) {
      const data = { runId, period };
      await onProperty(propertyId, { type: 'FlagMissedReading', data, metadata });
    },
    async unflagProperty({ propertyId, runId }, metadata) {
      await onProperty(propertyId, { type: 'UnflagProperty', data: { runId }, metadata });
    },
    async disableMeterAndProperty({ meterId, propertyId, runId, consecutiveMisses }, metadata) {
      const reason = `${consecutiveMisses} consecutive missed readings`;
      await handleCommand(store, meterStream(meterId), meterDecider, {
        type: 'DisableMeter',
        data: { reason },
        metadata: { ...metadata, commandId: `${metadata.commandId}/meter` },
      });
      await onProperty(propertyId, {
        type: 'DisableProperty',
        data: { runId, reason },
        metadata: { ...metadata, commandId: `${metadata.commandId}/property` },
      });
    },
  };
}
