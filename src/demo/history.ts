// A demo meter's stored history: signed readings every twelve hours from the
// start of the previous month until now, as a meter uploads the log it kept
// before its gateway went live, so consumption charts and last month's bill
// have data the moment the demo starts. Each reading is signed with the
// meter's own key and decided by the meter decider with the gateway's ids
// (`reading/<meterId>/<seq>`), so the auditor's checks hold for them too.

import { RegisterSimulator, type LoadProfile } from '../../devices/load-curve.ts';
import { signReading } from '../../devices/fleet-session.ts';
import { meterDecider, meterStream, type MeterState } from '../domain/meter/index.ts';
import { DomainError, fold } from '../domain/shared/decider.ts';
import type { EventStore, JsonObject, NewEvent } from '../eventstore/port.ts';
import { readingEventId, signatureHex } from '../iot/ingest/meter-states.ts';
import type { MeterIdentity } from '../iot/session/meter-session.ts';

export const HISTORY_STEP_MS = 12 * 3_600_000;

export interface HistoryInput {
  identity: MeterIdentity;
  gatewayId: string;
  profile: LoadProfile;
  scale: number;
  /** Register when the history starts (Wh). */
  startWh: number;
  fromMs: number;
  untilMs: number;
}

/**
 * Writes the history in one append, only while the meter has no readings
 * (a restart finds them and writes nothing). Returns the readings written.
 */
export async function writeMeterHistory(store: EventStore, input: HistoryInput): Promise<number> {
  const { identity, gatewayId } = input;
  const { meterId } = identity;
  const recorded = await store.readStream(meterStream(meterId));
  let state: MeterState = fold(
    meterDecider.evolve,
    meterDecider.initialState,
    recorded as unknown as Parameters<typeof meterDecider.evolve>[1][],
  );
  if (state.status === 'none' || state.lastSeq !== null) return 0;
  const register = new RegisterSimulator(input.profile, input.startWh, input.fromMs, input.scale);
  const receivedAt = new Date(input.untilMs).toISOString();
  const actor = `system:gateway-${gatewayId}`;
  const events: NewEvent[] = [];
  let seq = 0;
  for (let readAt = input.fromMs; readAt <= input.untilMs; readAt += HISTORY_STEP_MS) {
    seq += 1;
    const reading = { meterId, seq, registerWh: register.at(readAt), readAt };
    const signed = signReading(reading, identity.privateKey);
    const commandId = `reading/${meterId}/${seq}`;
    const decided = meterDecider.decide(
      {
        type: 'RecordReading',
        data: {
          ...{ seq, registerWh: reading.registerWh, readAt: new Date(readAt).toISOString() },
          ...{ signature: signatureHex(signed.signature), runId: null, requestId: null },
          receivedAt,
        },
        metadata: { now: receivedAt, commandId, actor },
      },
      state,
    );
    if (decided instanceof DomainError) throw decided;
    for (const event of decided) {
      state = meterDecider.evolve(state, event);
      events.push({
        id: readingEventId(meterId, seq),
        type: event.type,
        data: event.data as JsonObject,
        metadata: { commandId, actor, at: receivedAt },
      });
    }
  }
  const revision = recorded.at(-1)!.revision;
  await store.append(meterStream(meterId), events, { expectedRevision: revision });
  return events.length;
}
