import type {
  JSONEventData,
  RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventStoreError, WrongExpectedRevisionError } from '../../src/eventstore/errors.ts';
import { GENESIS_HASH, verifyStream } from '../../src/eventstore/integrity.ts';
import {
  chainEvents,
  isSystemEvent,
  toRecordedEvent,
} from '../../src/eventstore/kurrentdb/events.ts';
import {
  comparePositions,
  decodePosition,
  encodePosition,
} from '../../src/eventstore/kurrentdb/positions.ts';
import { conflictError, previouslyAppended } from '../../src/eventstore/kurrentdb/idempotency.ts';
import { serverFilter } from '../../src/eventstore/kurrentdb/subscribe.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { validateEvent } from '../../src/eventstore/validation.ts';

describe('KurrentDB positions', () => {
  it('round-trips commit/prepare and pads both parts', () => {
    const encoded = encodePosition({ commit: 1234n, prepare: 1200n });
    expect(encoded).toBe('00000000000000001234/00000000000000001200');
    expect(decodePosition(encoded)).toEqual({ commit: 1234n, prepare: 1200n });
  });

  it('orders by commit, then prepare, and text order agrees', () => {
    const position = fc
      .record({ commit: fc.bigInt(0n, 2n ** 63n), prepare: fc.bigInt(0n, 2n ** 63n) })
      .map(encodePosition);
    fc.assert(
      fc.property(position, position, (a, b) => {
        const byValue = comparePositions(a, b);
        const byText = a < b ? -1 : a > b ? 1 : 0;
        expect(byValue).toBe(byText);
        expect(comparePositions(b, a)).toBe(-byValue);
      }),
    );
    expect(
      comparePositions(
        encodePosition({ commit: 5n, prepare: 9n }),
        encodePosition({ commit: 6n, prepare: 1n }),
      ),
    ).toBe(-1);
  });

  it.each(['', '12', '12:34', '1/2/3', '-1/2', 'a/b', `${'9'.repeat(21)}/0`])(
    'rejects %j with INVALID_POSITION',
    (bad) => {
      expect(() => decodePosition(bad)).toThrow(EventStoreError);
      try {
        decodePosition(bad);
      } catch (error) {
        expect((error as EventStoreError).code).toBe('INVALID_POSITION');
      }
    },
  );

  it('refuses a Postgres position, so checkpoints are not mixed up', () => {
    expect(() => decodePosition('00000000000000000001:00000000000000000002')).toThrow(
      /not a KurrentDB log position/,
    );
  });
});

describe('KurrentDB event mapping', () => {
  const stream = 'meter-42';

  it('chains new events onto the tail and reads them back verifiable', () => {
    const first = stored(chainEvents(stream, { revision: -1, hash: GENESIS_HASH }, events(2)), 0);
    const tail = { revision: 1, hash: first[1]!.hash };
    const second = stored(chainEvents(stream, tail, events(2, 2)), 2);
    const all = [...first, ...second];

    expect(all.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    expect(all[0]!.prevHash).toBe(GENESIS_HASH);
    expect(all[2]!.prevHash).toBe(all[1]!.hash);
    expect(all[3]!.metadata).toEqual({ actor: 'user-3' });
    expect(verifyStream(all)).toBeNull();
  });

  it('lets the verifier see an edited payload', () => {
    const recorded = stored(
      chainEvents(stream, { revision: -1, hash: GENESIS_HASH }, events(3)),
      0,
    );
    recorded[1] = { ...recorded[1]!, data: { registerWh: 999 } };
    expect(verifyStream(recorded)).toEqual({ stream, revision: 1, reason: 'content_changed' });
  });

  it('gives events not written by this adapter empty links, which the verifier reports', () => {
    const foreign = toRecordedEvent(
      kurrentEvent({ revision: 0n, type: 'Imported', data: { a: 1 }, metadata: { note: 'x' } }),
    );
    expect(foreign.prevHash).toBe('');
    expect(foreign.hash).toBe('');
    expect(foreign.metadata).toEqual({ note: 'x' });
    expect(verifyStream([foreign])).toEqual({
      stream,
      revision: 0,
      reason: 'prev_hash_mismatch',
    });
  });

  it('refuses an event without a log position', () => {
    const event = { ...kurrentEvent({ revision: 0n, type: 'A', data: {}, metadata: {} }) };
    delete event.position;
    expect(() => toRecordedEvent(event)).toThrow(/without a log position/);
  });

  it('recognises system events by type or stream', () => {
    expect(isSystemEvent({ type: '$metadata', streamId: '$$meter-1' })).toBe(true);
    expect(isSystemEvent({ type: 'Anything', streamId: '$stats-127.0.0.1:2113' })).toBe(true);
    expect(isSystemEvent({ type: 'ReadingRecorded', streamId: 'meter-1' })).toBe(false);
  });

  function events(count: number, from = 0) {
    return Array.from({ length: count }, (_, i) =>
      validateEvent({
        id: `00000000-0000-4000-8000-${String(from + i).padStart(12, '0')}`,
        type: 'ReadingRecorded',
        data: { registerWh: (from + i) * 100 },
        metadata: { actor: `user-${from + i}` },
      }),
    );
  }

  /** What KurrentDB hands back for events we sent, starting at `firstRevision`. */
  function stored(sent: ReturnType<typeof chainEvents>, firstRevision: number) {
    return sent.map((data, i) =>
      toRecordedEvent(
        kurrentEvent({
          ...(data as JSONEventData),
          revision: BigInt(firstRevision + i),
        }),
      ),
    );
  }

  function kurrentEvent(
    fields: Pick<JSONEventData, 'type' | 'data' | 'metadata'> & { id?: string; revision: bigint },
  ): KurrentRecordedEvent {
    return {
      streamId: stream,
      id: fields.id ?? '00000000-0000-4000-8000-00000000ffff',
      isJson: true,
      revision: fields.revision,
      type: fields.type,
      created: new Date('2026-01-01T00:00:00Z'),
      data: fields.data,
      metadata: fields.metadata,
      position: { commit: 100n + fields.revision, prepare: 100n + fields.revision },
    } as KurrentRecordedEvent;
  }
});

describe('KurrentDB idempotency checks', () => {
  const stream = 'meter-9';
  const batch = [event(1), event(2)];

  it('finds nothing when none of the ids is stored', () => {
    expect(previouslyAppended(stream, batch, [stored(7, 'x'), stored(6, 'y')])).toBeNull();
  });

  it('returns the stored result when the whole batch is there in order', () => {
    const recent = [stored(5, 'z'), stored(4, event(2).id), stored(3, event(1).id)];
    expect(previouslyAppended(stream, batch, recent)).toEqual({
      nextRevision: 4,
      position: position(4),
    });
  });

  it.each([
    ['only part of the batch is stored', [stored(3, event(1).id)]],
    ['the ids are stored in another order', [stored(4, event(1).id), stored(3, event(2).id)]],
    ['the ids are not consecutive', [stored(5, event(2).id), stored(3, event(1).id)]],
  ])('rejects a retry when %s', (_label, recent) => {
    expect(() => previouslyAppended(stream, batch, recent)).toThrow(
      expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT' }),
    );
  });

  it('turns a failed expectation into a revision conflict with the actual head', () => {
    const error = conflictError(stream, batch, 2, [stored(5, 'z'), stored(4, 'y')]);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ stream, expected: '2', actual: 5 });
    expect(conflictError(stream, batch, 'stream_exists', [])).toMatchObject({ actual: -1 });
  });

  it('turns it into an idempotency conflict when some ids are already stored', () => {
    const error = conflictError(stream, batch, 'no_stream', [stored(1, event(1).id)]);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  function event(n: number) {
    return validateEvent({
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      type: 'ReadingRecorded',
      data: { n },
    });
  }

  function position(revision: number) {
    return encodePosition({ commit: BigInt(revision), prepare: BigInt(revision) });
  }

  function stored(revision: number, id: string): RecordedEvent {
    return {
      id,
      stream,
      revision,
      position: position(revision),
      type: 'ReadingRecorded',
      data: {},
      metadata: {},
      recordedAt: new Date(0),
      prevHash: '',
      hash: '',
    };
  }
});

describe('KurrentDB subscription filters', () => {
  const noCheckpoint = async () => {};

  it('filters on stream prefixes on the server when there are any', () => {
    const filter = serverFilter({ streamPrefixes: ['billrun-'], eventTypes: ['A'] }, noCheckpoint);
    expect(filter).toMatchObject({ filterOn: 'streamName', prefixes: ['billrun-'] });
    expect(filter.checkpointReached).toBe(noCheckpoint);
  });

  it('filters on exact event types with an anchored, escaped regex', () => {
    const filter = serverFilter({ eventTypes: ['Meter.Enabled', 'C+'] }, noCheckpoint);
    expect(filter.filterOn).toBe('eventType');
    const regex = new RegExp((filter as { regex: string }).regex);
    expect(['Meter.Enabled', 'C+'].every((type) => regex.test(type))).toBe(true);
    expect(['MeterxEnabled', 'Meter.EnabledX', 'XC+', 'CC'].some((t) => regex.test(t))).toBe(false);
  });

  it('excludes only system events without a filter', () => {
    expect(serverFilter(null, noCheckpoint)).toMatchObject({ filterOn: 'eventType' });
    expect(serverFilter(null, noCheckpoint).checkpointReached).toBeUndefined();
  });
});
