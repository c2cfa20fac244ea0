// Contract: every malformed append is refused with a typed error before
// anything is written, and a stream's valid events are untouched by it.

import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { EventStoreErrorCode } from '../../src/eventstore/errors.ts';
import type { ExpectedRevision, NewEvent } from '../../src/eventstore/port.ts';
import { MAX_EVENT_BYTES, MAX_STREAM_NAME_LENGTH } from '../../src/eventstore/validation.ts';
import type { FixtureRef } from './contract-fixtures.ts';
import { newEvent, streamName } from './contract-fixtures.ts';

// Bad values are built with casts on purpose: the type system would otherwise refuse them.
const withData = (data: unknown): NewEvent => ({ ...newEvent(), data: data as NewEvent['data'] });
const cyclic = (): unknown => {
  const node: Record<string, unknown> = { a: 1 };
  node.self = node;
  return node;
};

type BadCase = [label: string, code: EventStoreErrorCode, build: () => NewEvent[]];

const badEvents: BadCase[] = [
  ['no events at all', 'INVALID_EVENT', () => []],
  ['an empty event type', 'INVALID_EVENT', () => [{ ...newEvent(), type: '' }]],
  [
    'an event type with spaces',
    'INVALID_EVENT',
    () => [{ ...newEvent(), type: 'Reading Recorded' }],
  ],
  ['an id that is not a UUID', 'INVALID_EVENT', () => [{ ...newEvent(), id: 'reading-1' }]],
  [
    'the same id twice',
    'INVALID_EVENT',
    () => {
      const event = newEvent();
      return [event, { ...event }];
    },
  ],
  ['data that is an array', 'INVALID_EVENT', () => [withData([1, 2])]],
  ['data holding a function', 'INVALID_EVENT', () => [withData({ f: () => 1 })]],
  ['data holding undefined', 'INVALID_EVENT', () => [withData({ a: undefined })]],
  ['data holding a BigInt', 'INVALID_EVENT', () => [withData({ wh: 10n })]],
  ['data holding NaN', 'INVALID_EVENT', () => [withData({ wh: Number.NaN })]],
  ['data holding Infinity', 'INVALID_EVENT', () => [withData({ wh: Infinity })]],
  ['data with a cycle', 'INVALID_EVENT', () => [withData(cyclic())]],
  ['data holding a Date object', 'INVALID_EVENT', () => [withData({ at: new Date() })]],
  ['data holding a NUL character', 'INVALID_EVENT', () => [withData({ note: 'a\u0000b' })]],
  [
    'metadata that is not an object',
    'INVALID_EVENT',
    () => [{ ...newEvent(), metadata: 'actor' as unknown as NewEvent['metadata'] }],
  ],
  [
    'a payload over the size limit',
    'EVENT_TOO_LARGE',
    () => [withData({ blob: 'x'.repeat(MAX_EVENT_BYTES) })],
  ],
  [
    'a valid event followed by a bad one',
    'INVALID_EVENT',
    () => [newEvent(), withData({ wh: Number.NaN })],
  ],
];

const badStreams: [label: string, stream: string][] = [
  ['an empty stream name', ''],
  ['a name without a category', 'meter'],
  ['a name with spaces', 'meter-a b'],
  ['a name with quotes', "meter-1'; DROP TABLE events; --"],
  ['a name over the length limit', `meter-${'x'.repeat(MAX_STREAM_NAME_LENGTH)}`],
];

const badRevisions: [label: string, expected: unknown][] = [
  ['a negative expected revision', -1],
  ['a fractional expected revision', 1.5],
  ['an unknown keyword', 'latest'],
  ['a numeric string', '3'],
  ['NaN', Number.NaN],
];

export function badInputContract(fixture: FixtureRef): void {
  it.each(badEvents)('refuses %s with %s, writing nothing', async (_label, code, build) => {
    const { store } = fixture();
    const stream = streamName();
    await store.append(stream, [newEvent()]);
    await expect(store.append(stream, build())).rejects.toMatchObject({ code });
    const outcomes = await store.appendMany([{ stream, events: build() }]);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code } });
    expect(await store.streamRevision(stream)).toBe(0);
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it.each(badStreams)('refuses %s, writing nothing', async (_label, stream) => {
    const { store } = fixture();
    const event = newEvent();
    await expect(store.append(stream, [event])).rejects.toMatchObject({
      code: 'INVALID_STREAM_NAME',
    });
    expect(await store.readStream(stream)).toEqual([]);
    // The event's id is still free: nothing of the refused append was stored.
    const fresh = streamName();
    await store.append(fresh, [event]);
    expect((await store.readStream(fresh)).map((e) => e.id)).toEqual([event.id]);
  });

  it.each(badRevisions)('refuses %s, writing nothing', async (_label, expected) => {
    const { store } = fixture();
    const stream = streamName();
    await expect(
      store.append(stream, [newEvent()], { expectedRevision: expected as ExpectedRevision }),
    ).rejects.toMatchObject({ code: 'INVALID_EXPECTED_REVISION' });
    expect(await store.streamRevision(stream)).toBe(-1);
  });

  it('accepts an event right under the size limit and ids in upper case', async () => {
    const { store } = fixture();
    const stream = streamName();
    const id = randomUUID().toUpperCase();
    const blob = 'x'.repeat(MAX_EVENT_BYTES - 1024);
    await store.append(stream, [{ id, type: 'Big', data: { blob } }]);
    const [read] = await store.readStream(stream);
    expect(read!.id).toBe(id.toLowerCase());
    expect(read!.data).toEqual({ blob });
  });
}
