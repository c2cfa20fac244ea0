// What the bill-run services share: the ports to other features, the billing
// actor, errors, sub-command metadata and access to the run stream (folded in
// linear time: a run of 20,000 meters holds some 60,000 events).

import type { IssuedBill } from '../domain/billing/index.ts';
import {
  billRunReplay,
  billRunStream,
  foldBillRun,
  type BillRunCommand,
} from '../domain/billrun/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { foldStream, handleCommand } from './handle-command.ts';

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

export const fail = (code: BillingServiceErrorCode, message: string) =>
  new DomainError<BillingServiceErrorCode>(code, message);

/** A sub-command's metadata: same time, a derived id, the billing actor. */
export const sub = (metadata: CommandMetadata, step: string): CommandMetadata => ({
  now: metadata.now,
  commandId: `${metadata.commandId}/${step}`,
  actor: BILLING_ACTOR,
});

export function onRun(store: EventStore, runId: string, command: BillRunCommand) {
  return handleCommand(store, billRunStream(runId), billRunReplay, command);
}

export const loadRun = (store: EventStore, runId: string) =>
  foldStream(store, billRunStream(runId), billRunReplay);

/** The run's state and the revision of its last event (-1 for none). */
export async function loadRunAt(store: EventStore, runId: string) {
  const events = await store.readStream(billRunStream(runId));
  return { state: foldBillRun(events), revision: events.length - 1 };
}
