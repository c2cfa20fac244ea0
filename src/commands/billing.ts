// Application services for bill runs: start a run, record the gateway's
// requests and answers, bill an answered meter, and close the run at its
// deadline (record misses and apply the miss rules). Each step touches one
// stream per `handleCommand`; sub-commands carry ids derived from the caller's
// command id, so any step, or a whole close, can be retried after a crash and
// settles where the first attempt would have.
//
// Cross-aggregate work goes through ports (`BillingPorts`): the receivable
// (arrears, charging a bill) and the property and meter consequences of a
// missed reading. `storeBillingPorts` wires them to the other features'
// deciders and services on the same store.

import {
  billDecider,
  billStream,
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
import { propertyDecider, propertyStream } from '../domain/property/index.ts';
import { balanceOf } from '../domain/receivable/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { handleCommand } from './handle-command.ts';
import { chargeBill, receivableOf } from './receivables.ts';
import { foldStream, requireRole, tariffInForceOn } from './tariffs.ts';
import { findReading, openingReading, periodEnd } from '../domain/billing/readings.ts';

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
    input: { propertyId: string; runId: string },
    metadata: CommandMetadata,
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
  'READING_NOT_FOUND' | 'METER_NOT_ANSWERED' | 'PROPERTY_NOT_FOUND';

const fail = (code: BillingServiceErrorCode, message: string) =>
  new DomainError<BillingServiceErrorCode>(code, message);

/** Metadata for a sub-command: same time, a derived id, the billing actor. */
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
  await requireRole(deps.store, metadata.actor, ['superuser', 'admin']);
  const result = await onRun(deps.store, input.runId, {
    type: 'StartBillRun',
    data: input,
    metadata,
  });
  return { position: result.position, runId: input.runId };
}

/** The gateway asked a meter for its reading (fan-out or on connect). */
export async function requestMeterRead(
  deps: BillingDeps,
  input: { runId: string; meterId: string },
  metadata: CommandMetadata,
): Promise<{ position: string | null }> {
  const { meterId } = input;
  const result = await onRun(deps.store, input.runId, {
    type: 'RequestMeterRead',
    data: { meterId },
    metadata,
  });
  return { position: result.position };
}

/** The gateway stored a reading in answer to the run: record it (a repeat is a no-op). */
export async function recordMeterAnswer(
  deps: BillingDeps,
  input: { runId: string; meterId: string; readingEventId: string },
  metadata: CommandMetadata,
): Promise<{ position: string | null }> {
  const { meterId, readingEventId } = input;
  const readings = await deps.store.readStream(meterStream(meterId));
  if (!findReading(readings, readingEventId))
    throw fail('READING_NOT_FOUND', `no reading ${readingEventId} in meter ${meterId}`);
  const result = await onRun(deps.store, input.runId, {
    type: 'RecordMeterAnswer',
    data: { meterId, readingEventId },
    metadata,
  });
  return { position: result.position };
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
  if (meter.readingEventId === null || meter.status !== 'answered')
    throw fail('METER_NOT_ANSWERED', `meter ${meterId} is ${meter.status}`);
  const { propertyId } = meter;
  const { period } = run;

  const skip = async (reason: string): Promise<BillMeterResult> => {
    const skipped = await onRun(store, runId, {
      type: 'SkipMeter',
      data: { meterId, reason },
      metadata: sub(metadata, `skip/${meterId}`),
    });
    return { outcome: 'skipped', reason, position: skipped.position };
  };

  let bill = await foldStream(store, billStream(propertyId, period), billDecider);
  const history = await foldStream(store, meterBillingStream(meterId), meterBillingDecider);
  if (bill.status === 'none') {
    const property = await foldStream(store, propertyStream(propertyId), propertyDecider);
    if (property.status === 'none') throw fail('PROPERTY_NOT_FOUND', `no property ${propertyId}`);
    if (property.status !== 'approved') return skip(`property is ${property.status}`);
    const tariff = await tariffInForceOn(store, property.kind, periodEnd(period));
    if (!tariff) return skip(`no ${property.kind} tariff in force on ${periodEnd(period)}`);
    const readings = await store.readStream(meterStream(meterId));
    const closing = findReading(readings, meter.readingEventId);
    if (!closing) throw fail('READING_NOT_FOUND', `reading ${meter.readingEventId} is gone`);
    const opening = openingReading(history.lastBilled, readings) ?? closing;
    const command: IssueBill = {
      type: 'IssueBill',
      data: {
        propertyId,
        period,
        meterId,
        tenantAccountId: property.tenantId,
        ownerAccountId: property.ownerId,
        opening,
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
      // Another run or a retry issued it first: that bill stands.
      if (!(error instanceof DomainError && error.code === 'BILL_ALREADY_ISSUED')) throw error;
    }
    bill = await foldStream(store, billStream(propertyId, period), billDecider);
  }
  if (bill.status !== 'issued') throw new Error(`bill for ${propertyId} ${period} vanished`);
  const issued = bill.bill;

  await ports.chargeBill(issued, sub(metadata, `charge/${meterId}`));
  await onMeterBilling(store, meterId, {
    type: 'RecordPeriodBilled',
    data: {
      period,
      propertyId,
      billId: issued.billId,
      closingReadingEventId: issued.closingReadingEventId,
      closingWh: issued.closingWh,
      closingReadAt: issued.closingReadAt,
      runId,
    },
    metadata: sub(metadata, `history/${meterId}`),
  });
  if (issued.missedPeriods > 0)
    await ports.unflagProperty({ propertyId, runId }, sub(metadata, `unflag/${meterId}`));
  const recorded = await onRun(store, runId, {
    type: 'RecordMeterBilled',
    data: { meterId, billId: issued.billId },
    metadata: sub(metadata, `billed/${meterId}`),
  });
  return { outcome: 'billed', bill: issued, position: recorded.position };
}

function onMeterBilling(store: EventStore, meterId: string, command: MeterBillingCommand) {
  return handleCommand(store, meterBillingStream(meterId), meterBillingDecider, command);
}

export interface CloseResult {
  position: string | null;
  /** Meters recorded missed in this run and what followed for each. */
  missed: (MissInput & { action: 'flagged' | 'disabled' })[];
  progress: BillRunProgress;
}

/**
 * At or after the deadline: records every unanswered meter as missed, applies
 * the miss rules (1st consecutive miss flags the property, 2nd disables meter
 * and property), and bills answered meters not billed yet, so the run completes.
 */
export async function closeBillRun(
  deps: BillingDeps,
  input: { runId: string },
  metadata: CommandMetadata,
): Promise<CloseResult> {
  const { store, ports } = deps;
  const { runId } = input;
  await requireRole(store, metadata.actor, ['superuser', 'admin']);
  const closed = await onRun(store, runId, { type: 'CloseBillRun', data: {}, metadata });
  let run = await loadRun(store, runId);
  if (run.status === 'none') throw new Error(`run ${runId} vanished`);
  const { period } = run;

  const missed: CloseResult['missed'] = [];
  for (const [meterId, meter] of Object.entries(run.meters)) {
    if (meter.status !== 'missed') continue;
    const { propertyId } = meter;
    await onMeterBilling(store, meterId, {
      type: 'RecordPeriodMissed',
      data: { period, propertyId, runId },
      metadata: sub(metadata, `missed/${meterId}`),
    });
    const history = await foldStream(store, meterBillingStream(meterId), meterBillingDecider);
    const miss = {
      meterId,
      propertyId,
      runId,
      period,
      consecutiveMisses: history.consecutiveMisses,
    };
    if (miss.consecutiveMisses >= 2) {
      await ports.disableMeterAndProperty(miss, sub(metadata, `disable/${meterId}`));
      missed.push({ ...miss, action: 'disabled' });
    } else {
      await ports.flagProperty(miss, sub(metadata, `flag/${meterId}`));
      missed.push({ ...miss, action: 'flagged' });
    }
  }
  for (const [meterId, meter] of Object.entries(run.meters))
    if (meter.status === 'answered')
      await billMeter(deps, { runId, meterId }, sub(metadata, 'close'));

  run = await loadRun(store, runId);
  return { position: closed.position, missed, progress: billRunProgress(run) };
}

/** Live progress of a run for dashboards. */
export async function billRunStatus(store: EventStore, runId: string) {
  const run = await loadRun(store, runId);
  return { run, progress: billRunProgress(run) };
}

/** Ports wired to the property, meter and receivable features on the same store. */
export function storeBillingPorts(store: EventStore): BillingPorts {
  return {
    async balanceOf(propertyId) {
      return balanceOf(await receivableOf(store, propertyId));
    },
    async chargeBill(bill, metadata) {
      const { propertyId, billId, period, chargesPaise, dueDate } = bill;
      await chargeBill(
        { store },
        { propertyId, billId, period, amountPaise: chargesPaise, dueDate },
        metadata,
      );
    },
    async flagProperty({ propertyId, runId, period }, metadata) {
      await handleCommand(store, propertyStream(propertyId), propertyDecider, {
        type: 'FlagMissedReading',
        data: { runId, period },
        metadata,
      });
    },
    async unflagProperty({ propertyId, runId }, metadata) {
      await handleCommand(store, propertyStream(propertyId), propertyDecider, {
        type: 'UnflagProperty',
        data: { runId },
        metadata,
      });
    },
    async disableMeterAndProperty({ meterId, propertyId, runId, consecutiveMisses }, metadata) {
      const reason = `${consecutiveMisses} consecutive missed readings`;
      await handleCommand(store, meterStream(meterId), meterDecider, {
        type: 'DisableMeter',
        data: { reason },
        metadata: { ...metadata, commandId: `${metadata.commandId}/meter` },
      });
      await handleCommand(store, propertyStream(propertyId), propertyDecider, {
        type: 'DisableProperty',
        data: { runId, reason },
        metadata: { ...metadata, commandId: `${metadata.commandId}/property` },
      });
    },
  };
}
