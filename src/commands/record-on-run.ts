// Recording commands on a bill run at its revision, for writers that hold the
// run already (a close, a gateway billing the answers it recorded): decided
// by the run decider against the run as the writer holds it, appended in
// batches at that revision, and on a conflict (another close or gateway
// wrote first) decided again against what the run gained. The decider turns
// what is already recorded into no-ops, and outcome events' ids derive from
// their meters (run-fact-ids.ts), so two writers recording the same outcome
// settle as one.

import {
  billRunReplay,
  billRunStream,
  cloneBillRun,
  decideMeters,
  type BillRunCommand,
  type BillRunEvent,
  type BillRunState,
} from '../domain/billrun/index.ts';
import type { DomainError } from '../domain/shared/decider.ts';
import { EventStoreError, isWrongExpectedRevision } from '../eventstore/errors.ts';
import type { EventStore, NewEvent } from '../eventstore/port.ts';
import { eventIdFor } from './handle-command.ts';
import { runFactEventId } from './run-fact-ids.ts';

/** A run as a writer holds it: its state and the revision of the last event folded in (-1: none). */
export interface RunAt {
  state: BillRunState;
  revision: number;
}

export interface Recorded extends RunAt {
  /** Position of the last append, null when nothing was appended. */
  position: string | null;
  refused: Refused[];
}

export type Refused = { meterId: string; reason: string };

/** Run facts per append: a batch stays well below the store's limits. */
const RUN_BATCH = 1000;
const MAX_ATTEMPTS = 8;

/**
 * Another writer appended first: a plain revision conflict, or (when it
 * wrote an event with the same derived id among others) an idempotency conflict.
 */
export const isRunConflict = (error: unknown): boolean =>
  isWrongExpectedRevision(error) ||
  (error instanceof EventStoreError && error.code === 'IDEMPOTENCY_CONFLICT');

/**
 * Decides `commands` against the run and appends the events in batches at
 * the run's revision; a conflict reads what the run gained and decides
 * again. Event ids derive from each command's id as `handleCommand` derives
 * them, or from the meters for batch facts. `strict`: a refused command is
 * thrown, nothing appended. `loaded` is never changed (each decision is made
 * on a copy), but the caller must not change it during the call either.
 */
export async function recordOnRun(
  store: EventStore,
  runId: string,
  loaded: RunAt,
  commands: BillRunCommand[],
  { strict }: { strict: boolean },
): Promise<Recorded> {
  let { state, revision } = loaded;
  let position: string | null = null;
  const refused: Refused[] = [];
  for (let from = 0; from < commands.length; from += RUN_BATCH) {
    const batch = commands.slice(from, from + RUN_BATCH);
    for (let attempt = 1; ; attempt++) {
      const decided = decideBatch(runId, cloneBillRun(state), batch);
      if (strict && decided.errors[0]) throw decided.errors[0];
      if (decided.events.length > 0) {
        try {
          const result = await store.append(billRunStream(runId), decided.events, {
            expectedRevision: revision === -1 ? 'no_stream' : revision,
          });
          [revision, position] = [result.nextRevision, result.position];
        } catch (error) {
          if (!isRunConflict(error)) throw error;
          const before = revision;
          ({ state, revision } = await catchUp(store, runId, { state, revision }));
          // Gateways and a close write the run at once: a conflict the run's
          // progress explains is decided again however often; only conflicts
          // with nothing new on the run give up, after MAX_ATTEMPTS in a row.
          if (revision > before) attempt = 0;
          else if (attempt >= MAX_ATTEMPTS) throw error;
          continue;
        }
      }
      state = decided.state;
      refused.push(...decided.refused);
      break;
    }
  }
  return { state, revision, position, refused };
}

/** The run with the events appended since `at` (a copy: `at.state` stays as it was). */
export async function catchUp(store: EventStore, runId: string, at: RunAt): Promise<RunAt> {
  const more = await store.readStream(billRunStream(runId), { fromRevision: at.revision + 1 });
  if (more.length === 0) return at;
  let state = cloneBillRun(at.state);
  for (const event of more) state = billRunReplay.evolve(state, event as never);
  return { state, revision: more[more.length - 1]!.revision };
}

function decideBatch(runId: string, state: BillRunState, commands: BillRunCommand[]) {
  const events: NewEvent[] = [];
  const refused: Refused[] = [];
  const errors: DomainError[] = [];
  for (const command of commands) {
    const decided = decideOne(command, state);
    refused.push(...decided.refused);
    if (decided.error) {
      errors.push(decided.error);
      continue;
    }
    decided.events.forEach((event, index) => {
      state = billRunReplay.evolve(state, event);
      const { commandId, actor, now } = command.metadata;
      events.push({
        id: runFactEventId(runId, event) ?? eventIdFor(commandId, index),
        type: event.type,
        data: event.data,
        metadata: { commandId, actor, at: now },
      });
    });
  }
  return { events, state, refused, errors };
}

/**
 * One command's events, or its error. A batch of outcomes records the meters
 * it can and reports each one the run refuses (the others still count).
 */
function decideOne(
  command: BillRunCommand,
  state: BillRunState,
): { events: BillRunEvent[]; refused: Refused[]; error?: DomainError } {
  if (command.type === 'RecordMetersBilled' || command.type === 'SkipMeters') {
    const decided = decideMeters(command, state);
    const refused = decided.refused.map(({ meterId, error }) => ({
      meterId,
      reason: `${error.code}: ${error.message}`,
    }));
    return { events: decided.events, refused };
  }
  const decided = billRunReplay.decide(command, state);
  if (!(decided instanceof Error)) return { events: decided, refused: [] };
  const refused =
    'meterId' in command.data
      ? [{ meterId: command.data.meterId, reason: `${decided.code}: ${decided.message}` }]
      : [];
  return { events: [], refused, error: decided };
}
