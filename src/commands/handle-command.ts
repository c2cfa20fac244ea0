// The generic command handler: read a stream, fold it, decide, append with the
// expected revision. A conflict means someone else wrote first: re-read and
// decide again, a bounded number of times. Event ids derive from the command
// id, so a retried command appends nothing new.

import type { Command, Decider, DomainError, Event } from '../domain/shared/decider.ts';
import { isWrongExpectedRevision } from '../eventstore/errors.ts';
import type { EventStore, JsonObject, NewEvent } from '../eventstore/port.ts';
import { nameUuid } from './name-uuid.ts';

// Fixed namespace for deriving event ids (uuid v5) from command ids.
const EVENT_ID_NAMESPACE = '6f1c4f3e-6a43-4f43-9a0e-3c1d2b7e5a10';

export const eventIdFor = (commandId: string, index: number): string =>
  nameUuid(`${commandId}/${index}`, EVENT_ID_NAMESPACE);

export interface CommandResult<E> {
  events: E[];
  /** Revision of the stream after the command (-1 if the stream is still empty). */
  revision: number;
  /** Global position written, for read-your-writes; null when nothing was appended. */
  position: string | null;
}

type AnyEvent = Event<string, object>;
type AnyCommand = Command<string, object>;

export async function handleCommand<C extends AnyCommand, E extends AnyEvent, S>(
  store: EventStore,
  stream: string,
  decider: Decider<C, E, S>,
  command: C,
  options: { maxAttempts?: number } = {},
): Promise<CommandResult<E>> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(stream);
    const state = recorded.reduce(
      (s, e) => decider.evolve(s, e as unknown as E),
      decider.initialState,
    );
    const revision = recorded.length === 0 ? -1 : recorded[recorded.length - 1]!.revision;
    const alreadyApplied = recorded.findLast(
      (e) => e.metadata.commandId === command.metadata.commandId,
    );
    if (alreadyApplied) return { events: [], revision, position: alreadyApplied.position };

    const decided = decider.decide(command, state);
    if (decided instanceof Error) throw decided satisfies DomainError;
    if (decided.length === 0) return { events: [], revision, position: null };

    const newEvents: NewEvent[] = decided.map((event, index) => ({
      id: eventIdFor(command.metadata.commandId, index),
      type: event.type,
      data: event.data as JsonObject,
      metadata: {
        commandId: command.metadata.commandId,
        actor: command.metadata.actor,
        at: command.metadata.now,
      },
    }));
    try {
      const result = await store.append(stream, newEvents, {
        expectedRevision: revision === -1 ? 'no_stream' : revision,
      });
      return { events: decided, revision: result.nextRevision, position: result.position };
    } catch (error) {
      if (!isWrongExpectedRevision(error) || attempt >= maxAttempts) throw error;
    }
  }
}

/**
 * The current state of one stream, folded with a decider's evolve. Each stream
 * is written only through its own decider, and the store validated every event
 * on append, so stored events have that decider's event shapes.
 */
export async function foldStream<E, S>(
  store: EventStore,
  stream: string,
  decider: { evolve(state: S, event: E): S; initialState: S },
): Promise<S> {
  const recorded = await store.readStream(stream);
  return recorded.reduce(
    (state, event) => decider.evolve(state, event as unknown as E),
    decider.initialState,
  );
}
