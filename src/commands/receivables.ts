// Application services for a property's receivable (`receivable-<propertyId>`):
// charge an issued bill, record a payment, run late fees, apply a credit
// note, and read the folded receivable (the billing run reads arrears here).
// Authorisation (who may record a counter payment or approve a credit note)
// is the web layer's job; these services enforce the money rules only.

import type { CommandMetadata } from '../domain/shared/decider.ts';
import { DomainError } from '../domain/shared/decider.ts';
import { propertyDecider, propertyStream, type PropertyState } from '../domain/property/index.ts';
import {
  receivableDecider,
  receivableStream,
  type ApplyAdjustment,
  type ChargeBill,
  type PaymentMethod,
  type ReceivableCommand,
  type ReceivableEvent,
  type ReceivableState,
  type RecordPayment,
} from '../domain/receivable/index.ts';
import { tariffDecider, tariffInForce, tariffStream } from '../domain/tariff/index.ts';
import type { EventStore } from '../eventstore/port.ts';
import { foldStream, handleCommand } from './handle-command.ts';

export interface ReceivableDeps {
  store: EventStore;
}

export type ReceivableServiceErrorCode = 'PROPERTY_NOT_FOUND' | 'NO_TARIFF_IN_FORCE';

export interface ReceivableResult {
  /** Global position of what was written, or of the original write for a retry; null if nothing was. */
  position: string | null;
  /** The events this call appended (`[]` for a duplicate or a retry). */
  events: ReceivableEvent[];
}

/** An issued bill as the receivable sees it: its own charges, without arrears. */
export interface BillToCharge {
  propertyId: string;
  billId: string;
  /** YYYY-MM */
  period: string;
  /** The bill's `chargesPaise` (total minus arrears): arrears are already owed here. */
  amountPaise: number;
  /** YYYY-MM-DD */
  dueDate: string;
}

export interface PaymentInput {
  propertyId: string;
  /** Idempotency key: a retry with the same reference and amount records nothing new. */
  paymentReference: string;
  amountPaise: number;
  method: PaymentMethod;
  /** Gateway payment id, cheque number or UPI reference; null for cash. */
  methodReference: string | null;
  receivedAt: string;
  recordedBy: string;
}

export interface AdjustmentInput {
  propertyId: string;
  /** Positive: a credit note reduces what the property owes. */
  amountPaise: number;
  reason: string;
  approvedBy: string;
}

async function run(
  store: EventStore,
  propertyId: string,
  command: ReceivableCommand,
): Promise<ReceivableResult> {
  const result = await handleCommand(
    store,
    receivableStream(propertyId),
    receivableDecider,
    command,
  );
  return { position: result.position, events: result.events };
}

/** Charges an issued bill; charging the same bill again is a no-op. */
export function chargeBill(
  deps: ReceivableDeps,
  bill: BillToCharge,
  metadata: CommandMetadata,
): Promise<ReceivableResult> {
  const { propertyId, ...data } = bill;
  const command: ChargeBill = { type: 'ChargeBill', data, metadata };
  return run(deps.store, propertyId, command);
}

/** Records a payment, allocated oldest bill first; any surplus becomes credit. */
export async function recordPayment(
  deps: ReceivableDeps,
  input: PaymentInput,
  metadata: CommandMetadata,
): Promise<ReceivableResult> {
  const { propertyId, ...data } = input;
  // Money for a property that does not exist would sit in a stream nobody reads.
  await loadProperty(deps.store, propertyId);
  const command: RecordPayment = { type: 'RecordPayment', data, metadata };
  return run(deps.store, propertyId, command);
}

/**
 * Applies the late fee of the tariff in force on `asOf` (for the property's
 * kind) to every bill overdue on that date that has not had one yet.
 */
export async function applyLateFees(
  deps: ReceivableDeps,
  propertyId: string,
  asOf: string,
  metadata: CommandMetadata,
): Promise<ReceivableResult> {
  const property = await loadProperty(deps.store, propertyId);
  const tariff = await foldStream(deps.store, tariffStream(property.kind), tariffDecider);
  const terms = tariff.status === 'published' ? tariffInForce(tariff.versions, asOf) : null;
  if (terms === null)
    throw new DomainError<ReceivableServiceErrorCode>(
      'NO_TARIFF_IN_FORCE',
      `no ${property.kind} tariff in force on ${asOf}`,
    );
  // A tariff without a late fee charges none: nothing to decide.
  if (terms.lateFeePaise === 0) return { position: null, events: [] };
  return run(deps.store, propertyId, {
    type: 'ApplyLateFees',
    data: { asOf, lateFeePaise: terms.lateFeePaise },
    metadata,
  });
}

/** Applies a credit note (a positive amount with a reason and an approver). */
export function applyAdjustment(
  deps: ReceivableDeps,
  input: AdjustmentInput,
  metadata: CommandMetadata,
): Promise<ReceivableResult> {
  const { propertyId, ...data } = input;
  const command: ApplyAdjustment = { type: 'ApplyAdjustment', data, metadata };
  return run(deps.store, propertyId, command);
}

/** The folded receivable of a property (empty state if it has none yet). */
export function receivableOf(store: EventStore, propertyId: string): Promise<ReceivableState> {
  return foldStream(store, receivableStream(propertyId), receivableDecider);
}

async function loadProperty(store: EventStore, propertyId: string) {
  const property: PropertyState = await foldStream(
    store,
    propertyStream(propertyId),
    propertyDecider,
  );
  if (property.status === 'none')
    throw new DomainError<ReceivableServiceErrorCode>(
      'PROPERTY_NOT_FOUND',
      `no property ${propertyId}`,
    );
  return property;
}
