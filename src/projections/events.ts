// Small readers over recorded events that every read model needs: the entity
// id a stream name carries, when the event happened by the issuer's clock, and
// typed access to the data of a catalogued event type.

import type { EventsOf, EventCatalog } from '../domain/shared/events.ts';
import type { RecordedEvent } from '../eventstore/port.ts';

/** `account-<id>` → `<id>`: events after the first rarely repeat their entity's id. */
export const streamId = (event: RecordedEvent): string =>
  event.stream.slice(event.stream.indexOf('-') + 1);

/** The command's `now` (metadata.at) when present, else the store's commit time. */
export const eventTime = (event: RecordedEvent): string => {
  const at = event.metadata.at;
  return typeof at === 'string' ? at : event.recordedAt.toISOString();
};

export const eventActor = (event: RecordedEvent): string | null => {
  const actor = event.metadata.actor;
  return typeof actor === 'string' ? actor : null;
};

/**
 * Typed access to the data of a catalogued event: `const d = dataReader(catalog)`
 * then `d('AccountRegistered', event).username`. The store only holds events
 * the deciders produced, which the catalogs describe, so this is a view, not a parse.
 */
export const dataReader =
  <C extends EventCatalog>(_catalog: C) =>
  <T extends EventsOf<C>['type']>(
    _type: T,
    event: RecordedEvent,
  ): Extract<EventsOf<C>, { type: T }>['data'] =>
    event.data as unknown as Extract<EventsOf<C>, { type: T }>['data'];
