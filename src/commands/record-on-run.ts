// Recording commands on a bill run at its revision, for writers that hold the
// run already (a close, a gateway billing the answers it recorded): decided
// by the run decider against the run as the writer holds it, appended in
// batches at that revision, and on a conflict (another close or gateway
// wrote first) decided again against what the run gained. The decider turns
// what is already recorded into no-ops, and outcome events' ids derive from
// their meters (run-fact-ids.ts), so two writers recording the same outcome
// settle as one.
//
// The writer's run is moved forward in place, never copied: a decision is
// made on it tentatively and rolled back (events.ts `tentative`), and what
// was appended (by this writer or others) is folded into it in revision
// order, as a follower of the run's stream folds it. A follower folding the
// same events meanwhile is fine: each event is folded once, by whoever holds
// the revision just before it.

import {
  applyBillRunEvent,
  billRunReplay,
  billRunStream,
  decideMeters,
  tentative,
  type BillRunCommand,
  type BillRunEvent,
  type BillRunState,
} from '../domain/billrun/index.ts';
import type { DomainError } from '../domain/shared/decider.ts';
import { EventStoreError, isWrongExpectedRevision } from '../eventstore/errors.ts';
import type { EventStore, NewEvent } from '../eventstore/port.ts';
import { eventIdFor } from './handle-command.ts';
import { runFactEventId } from './run-fact-ids.ts';

/**
 * A run as a writer holds it: its state and the revision of the last event
 * folded in (-1: none). Writers move it forward in place (`foldIn`).
 */
export interface RunAt {
  state: BillRunState;
  revision: number;
}

export interface Recorded {
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
 * Folds events of the run's stream, numbered from `firstRevision` on, into
 * `run` in place: only the one right after the revision it holds, in turn
 * (a follower may have folded some of them already).
 */
export function foldIn(run: RunAt, events: readonly unknown[], firstRevision: number): void {
  events.forEach((event, index) => {
    if (firstRevision + index !== run.revision + 1) return;
    run.state = applyBillRunEvent(run.state, event as BillRunEvent);
    run.revision = firstRevision + index;
  });
}

/** Folds into `run` what the run's stream gained past the revision it holds. */
export async function catchUp(store: EventStore, runId: string, run: RunAt): Promise<void> {
  const from = run.revision + 1;
  foldIn(run, await store.readStream(billRunStream(runId), { fromRevision: from }), from);
}

/**
 * Decides `commands` against `run` and appends the events in batches at
 * its revision; a conflict folds in what the run gained and decides again.
 * `run` moves forward in place with what was appended (see `foldIn`).
 * Event ids derive from each command's id as `handleCommand` derives
 * them, or from the meters for batch facts. `strict`: a refused command is
 * thrown, nothing appended.
 */
export async function recordOnRun(
  store: EventStore,
  runId: string,
  run: RunAt,
  commands: BillRunCommand[],
  { strict }: { strict: boolean },
): Promise<Recorded> {
  let position: string | null = null;
  const refused: Refused[] = [];
  for (let from = 0; from < commands.length; from += RUN_BATCH) {
    const batch = commands.slice(from, from + RUN_BATCH);
    for (let attempt = 1; ; attempt++) {
      const expected = run.revision;
      const decided = decideBatch(runId, run.state, batch);
      if (strict && decided.errors[0]) throw decided.errors[0];
      if (decided.events.length > 0) {
        try {
          const result = await store.append(billRunStream(runId), decided.events, {
            expectedRevision: expected === -1 ? 'no_stream' : expected,
          });
          foldIn(run, decided.events, expected + 1);
          position = result.position;
        } catch (error) {
          if (!isRunConflict(error)) throw error;
          await catchUp(store, runId, run);
          // Gateways and a close write the run at once: a conflict the run's
          // progress explains is decided again however often; only conflicts
          // with nothing new on the run give up, after MAX_ATTEMPTS in a row.
          if (run.revision > expected) attempt = 0;
          else if (attempt >= MAX_ATTEMPTS) throw error;
          continue;
        }
      }
      refused.push(...decided.refused);
      break;
    }
  }
  return { position, refused };
}

/**
 * The events of `commands` in turn, each decided on the run as the ones
 * before it leave it: applied to `state` tentatively, which is as it was again on return.
 */
function decideBatch(runId: string, state: BillRunState, commands: BillRunCommand[]) {
  const events: NewEvent[] = [];
  const refused: Refused[] = [];
  const errors: DomainError[] = [];
  const draft = tentative(state);
  try {
    for (const command of commands) {
      const decided = decideOne(command, draft.state);
      refused.push(...decided.refused);
      if (decided.error) {
        errors.push(decided.error);
        continue;
      }
      decided.events.forEach((event, index) => {
        draft.apply(event);
        const { commandId, actor, now } = command.metadata;
        events.push({
          id: runFactEventId(runId, event) ?? eventIdFor(commandId, index),
          type: event.type,
          data: event.data,
          metadata: { commandId, actor, at: now },
        });
      });
    }
  } finally {
    draft.rollback();
  }
  return { events, refused, errors };
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
