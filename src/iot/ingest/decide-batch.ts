// One meter's share of a group commit: its queued readings decided in order
// with the meter decider against the cached state, giving the events to
// append and, for each reading, what to answer. Readings refused without
// storing anything are answered here; stored ones wait for the commit.

import type { Reading } from '../protocol/canonical.ts';
import type { SinkRejectionCode, SinkResult } from '../session/ports.ts';
import type { NewEvent } from '../../eventstore/port.ts';
import {
  meterDecider,
  type MeterErrorCode,
  type MeterEvent,
  type MeterState,
} from '../../domain/meter/index.ts';
import { readingEventId, type MeterEntry } from './meter-states.ts';

export interface QueuedReading {
  reading: Reading;
  /** Compact r‖s signature, lower-case hex, as stored in the event. */
  signature: string;
  runId: string | null;
  /** Set once the reading went round a reload; a second failure refuses it. */
  retried: boolean;
  /** What to answer after the commit when it is not a plain ack (a stored tamper alarm). */
  outcome?: SinkResult;
  resolve(result: SinkResult): void;
}

export interface BatchPlan {
  events: NewEvent[];
  /** The readings behind `events`, one each, in the same order. */
  stored: QueuedReading[];
  /** The meter's state with `events` applied, for the cache once they commit. */
  state: MeterState;
  /** The decided events as the meter's own type, in the same order. */
  meterEvents: MeterEvent[];
}

const rejectionFor = (code: MeterErrorCode): SinkRejectionCode => {
  switch (code) {
    case 'READING_REPLAYED':
      return 'REPLAYED_SEQ';
    case 'METER_NOT_FOUND':
      return 'UNKNOWN_METER';
    // The directory refuses an unassigned meter as disabled too: it may not report.
    case 'METER_DISABLED':
    case 'METER_NOT_ASSIGNED':
      return 'METER_DISABLED';
    default:
      // The session validated the reading's shape; anything else is ours to fix.
      return 'UNAVAILABLE';
  }
};

export function decideBatch(
  entry: MeterEntry,
  items: QueuedReading[],
  at: { receivedAt: string; actor: string },
): BatchPlan {
  const plan: BatchPlan = { events: [], stored: [], state: entry.state, meterEvents: [] };
  let state = entry.state;
  // Readings this plan stores, by seq: a resend of one of them in the same
  // batch (the meter reconnected while the first copy was still queued) gets
  // the first copy's answer, not REPLAYED_SEQ.
  const storing = new Map<number, QueuedReading>();
  for (const item of items) {
    const { reading, signature, runId } = item;
    const lastSeq = state.status === 'none' ? null : state.lastSeq;
    const twin = storing.get(reading.seq);
    if (twin && twin.signature === signature) {
      const answerBoth = twin.resolve;
      twin.resolve = (result) => {
        answerBoth(result);
        item.resolve(result);
      };
      continue;
    }
    const earlier = entry.recent.get(reading.seq);
    // A resend of a reading stored before its ack was lost: answer as the first time.
    if (lastSeq !== null && reading.seq <= lastSeq && earlier?.signature === signature) {
      item.resolve(
        earlier.type === 'ReadingRecorded'
          ? { ok: true }
          : { ok: false, code: 'REGISTER_BACKWARDS' },
      );
      continue;
    }
    const commandId = `reading/${reading.meterId}/${reading.seq}`;
    const metadata = { now: at.receivedAt, commandId, actor: at.actor };
    const data = {
      seq: reading.seq,
      registerWh: reading.registerWh,
      readAt: new Date(reading.readAt).toISOString(),
      signature,
      runId,
      requestId: reading.requestId ?? null,
      receivedAt: at.receivedAt,
    };
    const decided = meterDecider.decide({ type: 'RecordReading', data, metadata }, state);
    if (decided instanceof Error) {
      item.resolve({ ok: false, code: rejectionFor(decided.code) });
      continue;
    }
    for (const event of decided) {
      state = meterDecider.evolve(state, event);
      plan.meterEvents.push(event);
      plan.events.push({
        id: readingEventId(reading.meterId, reading.seq),
        type: event.type,
        data: event.data,
        // Keys in sorted order: the store's canonical JSON then has nothing to sort.
        metadata: { actor: at.actor, at: at.receivedAt, commandId },
      });
      if (event.type === 'TamperAlarmRaised')
        item.outcome = { ok: false, code: 'REGISTER_BACKWARDS' };
      plan.stored.push(item);
      storing.set(reading.seq, item);
    }
  }
  plan.state = state;
  return plan;
}
