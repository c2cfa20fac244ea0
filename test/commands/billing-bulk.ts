// Many approved properties with an assigned meter and an installation reading
// at once, for runs of thousands of meters: each stream's events are decided
// by its own decider (as the services would) and appended many streams per
// `appendMany`, instead of a command at a time.

import { randomUUID } from 'node:crypto';
import { eventIdFor } from '../../src/commands/handle-command.ts';
import { meterDecider, meterStream, type MeterCommand } from '../../src/domain/meter/index.ts';
import {
  propertyDecider,
  propertyStream,
  type PropertyCommand,
} from '../../src/domain/property/index.ts';
import type { Decider } from '../../src/domain/shared/decider.ts';
import type { NewEvent, StreamAppend } from '../../src/eventstore/port.ts';
import { meta, type BillingWorld, type Fixture } from './billing-fixtures.ts';

const GENERATOR = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const AT = '2025-12-20T00:00:00Z';

function eventsOf<C extends { metadata: { commandId: string; actor: string; now: string } }, E, S>(
  decider: Decider<C, E, S>,
  commands: C[],
): NewEvent[] {
  let state = decider.initialState;
  const out: NewEvent[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    if (decided instanceof Error) throw decided;
    decided.forEach((event, index) => {
      state = decider.evolve(state, event);
      const { type, data } = event as { type: string; data: NewEvent['data'] };
      const { commandId, actor, now } = command.metadata;
      out.push({
        id: eventIdFor(commandId, index),
        type,
        data,
        metadata: { commandId, actor, at: now },
      });
    });
  }
  return out;
}

const reading = (seq: number, registerWh: number, readAt: string): MeterCommand => ({
  type: 'RecordReading',
  data: {
    seq,
    registerWh,
    readAt,
    signature: 'ab'.repeat(64),
    runId: null,
    requestId: null,
    receivedAt: readAt,
  },
  metadata: meta('system:gateway', readAt),
});

/**
 * `count` meters on approved properties, each with a reading of 0 Wh on
 * 31 December and one of `closingWh(i)` on `closingAt`, the reading at
 * revision 3 of its meter stream (what a run's answer points at).
 */
export async function installMany(
  world: BillingWorld,
  count: number,
  closingAt: string,
  closingWh: (i: number) => number,
): Promise<(Fixture & { readingEventId: string; readingRevision: number })[]> {
  const { store, admin, customer } = world;
  const out: (Fixture & { readingEventId: string; readingRevision: number })[] = [];
  for (let from = 0; from < count; from += 500) {
    const appends: StreamAppend[] = [];
    for (let n = from; n < Math.min(count, from + 500); n++) {
      const f = { n, meterId: randomUUID(), propertyId: randomUUID() };
      const meterEvents = eventsOf(meterDecider, [
        {
          type: 'RegisterMeter',
          data: {
            meterId: f.meterId,
            serial: `BULK-${n}`,
            publicKey: GENERATOR,
            kind: 'single-phase',
          },
          metadata: meta(admin, AT),
        },
        {
          type: 'AssignMeter',
          data: { propertyId: f.propertyId, gatewayId: 'gw-1' },
          metadata: meta(admin, AT),
        },
        reading(1, 0, new Date('2025-12-31T00:00:00Z').toISOString()),
        reading(2, closingWh(n), new Date(closingAt).toISOString()),
      ]);
      const propertyCommands: PropertyCommand[] = [
        {
          type: 'AddProperty',
          data: {
            ...{ propertyId: f.propertyId, ownerId: customer, kind: 'residential' },
            address: { v: 1, subject: customer, iv: 'aXY', ct: 'YWRkcmVzcw' },
            ...{ city: 'Pune', state: 'MH', pincode: '411001' },
          },
          metadata: meta(customer, AT),
        },
        {
          type: 'ApproveProperty',
          data: { gatewayId: 'gw-1', meterId: f.meterId },
          metadata: meta(admin, AT),
        },
      ];
      appends.push(
        { stream: meterStream(f.meterId), expectedRevision: 'no_stream', events: meterEvents },
        {
          stream: propertyStream(f.propertyId),
          expectedRevision: 'no_stream',
          events: eventsOf(propertyDecider, propertyCommands),
        },
      );
      out.push({ ...f, readingEventId: meterEvents[3]!.id, readingRevision: 3 });
    }
    for (const outcome of await store.appendMany(appends)) if (!outcome.ok) throw outcome.error;
  }
  return out;
}
