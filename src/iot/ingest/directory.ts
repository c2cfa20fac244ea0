// The MeterDirectory on the event store: a meter's current key, and whether
// it may report (enabled and assigned to a property), from its folded stream
// in the shared MeterStates cache. A follower subscribed from the log's head
// marks a meter stale when an inventory event lands on its stream, and drops
// the open session of a meter that was disabled, unassigned or re-keyed.

import { hexToBytes } from '@noble/hashes/utils.js';
import { currentKey, meterEvents } from '../../domain/meter/index.ts';
import type { EventStore, RecordedEvent, Subscription } from '../../eventstore/port.ts';
import type { ProtocolErrorCode } from '../protocol/errors.ts';
import type { MeterDirectory, MeterRecord } from '../session/ports.ts';
import type { MeterStates } from './meter-states.ts';

export class StoreMeterDirectory implements MeterDirectory {
  /** Stream revision each meter's latest auth was decided on. */
  private readonly authRevision = new Map<string, number>();

  constructor(private readonly meters: MeterStates) {}

  /**
   * Whether an event at `revision` postdates the meter's latest auth: the
   * follower may deliver a rotation after the meter already authenticated
   * with the new key, and that session must stay.
   */
  authenticatedBefore(meterId: string, revision: number): boolean {
    return (this.authRevision.get(meterId) ?? -1) < revision;
  }

  async lookup(meterId: string): Promise<MeterRecord | undefined> {
    const { state, revision } = await this.meters.get(meterId);
    this.authRevision.set(meterId, revision);
    const key = currentKey(state);
    if (state.status === 'none' || key === null) return undefined;
    return {
      publicKey: hexToBytes(key),
      enabled: state.status === 'enabled' && state.propertyId !== null,
    };
  }
}

const METER_PREFIX = `${meterEvents.category}-`;

/** Events that end a meter's right to its open session. */
const REVOKING = new Set(['MeterDisabled', 'MeterUnassigned', 'MeterKeyRotated']);

/**
 * The meter events the follower reads: inventory, assignment and keys. The
 * store leaves out the readings and tamper alarms (most of the log), and
 * every other stream (bills, charges, bill runs...), before they are shipped.
 */
const INVENTORY_TYPES = Object.keys(meterEvents.schemas).filter(
  (type) => type !== 'ReadingRecorded' && type !== 'TamperAlarmRaised',
);

export interface MeterFollowerOptions {
  store: EventStore;
  meters: MeterStates;
  directory: StoreMeterDirectory;
  /** Drops a meter's open session (GatewayServer.disconnectMeter). */
  disconnect(meterId: string, code: ProtocolErrorCode): void;
  onError?: (error: unknown) => void;
}

/**
 * Follows the log from its current head. Readings are left out: the sink keeps
 * its own cache current, and a reading written by another gateway surfaces as
 * a revision conflict there instead.
 */
export async function followMeters(opts: MeterFollowerOptions): Promise<Subscription> {
  const head = await opts.store.headPosition();
  const handler = async (events: RecordedEvent[]) => {
    for (const e of events) {
      const meterId = e.stream.slice(METER_PREFIX.length);
      opts.meters.markStale(meterId);
      if (REVOKING.has(e.type) && opts.directory.authenticatedBefore(meterId, e.revision))
        opts.disconnect(meterId, 'METER_DISABLED');
    }
  };
  return opts.store.subscribe({
    ...(head === null ? {} : { after: head }),
    batchSize: 2000,
    streamPrefixes: [METER_PREFIX],
    eventTypes: INVENTORY_TYPES,
    handler,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
}
