import type {
  JSONEventData,
  RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventStoreError } from '../../src/eventstore/errors.ts';
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
