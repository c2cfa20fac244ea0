// The optional filter of a subscription (stream prefixes, event types),
// checked the same way by every adapter before anything is read: a typo'd
// filter must fail at once, not deliver nothing (or everything) forever.

import { EventStoreError } from './errors.ts';
import type { RecordedEvent, SubscribeOptions } from './port.ts';

export interface SubscribeFilter {
  streamPrefixes?: readonly string[];
  eventTypes?: readonly string[];
}

function checkList(name: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0)
    throw new EventStoreError(
      'INVALID_SUBSCRIPTION',
      `${name} must be a non-empty array of non-empty strings (omit it for no filter)`,
    );
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item.length === 0)
      throw new EventStoreError(
        'INVALID_SUBSCRIPTION',
        `${name}[${i}] must be a non-empty string, got ${JSON.stringify(item) ?? String(item)}`,
      );
  });
}

/** The subscription's filter, or null when it has none; throws INVALID_SUBSCRIPTION. */
export function subscribeFilter(options: SubscribeOptions): SubscribeFilter | null {
  const { streamPrefixes, eventTypes } = options;
  checkList('streamPrefixes', streamPrefixes);
  checkList('eventTypes', eventTypes);
  if (streamPrefixes === undefined && eventTypes === undefined) return null;
  return {
    ...(streamPrefixes ? { streamPrefixes: [...streamPrefixes] } : {}),
    ...(eventTypes ? { eventTypes: [...eventTypes] } : {}),
  };
}

/** Whether an event passes the filter (for adapters that filter some of it in JS). */
export function matchesFilter(filter: SubscribeFilter, event: RecordedEvent): boolean {
  const { streamPrefixes, eventTypes } = filter;
  if (streamPrefixes && !streamPrefixes.some((prefix) => event.stream.startsWith(prefix)))
    return false;
  return !eventTypes || eventTypes.includes(event.type);
}
