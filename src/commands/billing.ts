// Application services for bill runs: start a run, record the gateway's
// requests and answers, bill an answered meter (bill-meter.ts), close the run
// at its deadline (close-bill-run.ts). Sub-commands carry ids derived from
// the caller's command id, so any step, or a whole close, can be retried after
// a crash and settles where the first attempt would have. Other features are
// reached through `BillingPorts`; `storeBillingPorts` wires them on one store.

import type { RunMeter } from '../domain/billrun/index.ts';
import { meterDecider, meterStream } from '../domain/meter/index.ts';
import {
  propertyDecider,
  propertyStream,
  type PropertyCommand,
  type PropertyEvent,
} from '../domain/property/index.ts';
import { balanceOf } from '../domain/receivable/index.ts';
import type { CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { loadReading } from './bill-meter.ts';
import { fail, onRun, type BillingDeps, type BillingPorts } from './billing-shared.ts';
import { handleCommand } from './handle-command.ts';
import { chargeBill, receivableOf } from './receivables.ts';
import { requireRole } from './tariffs.ts';

export {
  BILLING_ACTOR,
  type BillingDeps,
  type BillingPorts,
  type BillingServiceErrorCode,
  type MissInput,
} from './billing-shared.ts';
export { billMeter, type BillMeterResult } from './bill-meter.ts';
export {
  closeBillRun,
  type CloseOptions,
  type CloseResult,
  type MissOutcome,
} from './close-bill-run.ts';

export async function startBillRun(
  deps: BillingDeps,
  input: { runId: string; period: string; deadline: string; meters: RunMeter[] },
  metadata: CommandMetadata,
): Promise<{ position: string | null; runId: string }> {
  const { store } = deps;
  await requireRole(store, metadata.actor, ['superuser', 'admin']);
  // A wrong pairing would bill one property for another's meter: check each
  // against the property's own record of its approved meter.
  const properties = await readProperties(
    store,
    input.meters.map((m) => m.propertyId),
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

/** Properties per `readStreams` call when a run is started. */
const PROPERTY_READS = 5000;

/** Each property's state, folded from streams read many per round trip. */
async function readProperties(store: EventStore, propertyIds: string[]) {
  const states = [];
  for (let from = 0; from < propertyIds.length; from += PROPERTY_READS) {
    const ids = propertyIds.slice(from, from + PROPERTY_READS);
    const read = await store.readStreams(ids.map((id) => ({ stream: propertyStream(id) })));
    for (const events of read)
      states.push(
        events.reduce(
          (state, e) => propertyDecider.evolve(state, e as unknown as PropertyEvent),
          propertyDecider.initialState,
        ),
      );
  }
  return states;
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
