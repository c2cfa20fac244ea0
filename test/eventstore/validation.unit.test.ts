import { describe, expect, it } from 'vitest';
import { EventStoreError } from '../../src/eventstore/errors.ts';
import type { NewEvent } from '../../src/eventstore/port.ts';
import {
  MAX_EVENT_BYTES,
  validateAppend,
  validateEvent,
  validateExpectedRevision,
  validateStreamName,
} from '../../src/eventstore/validation.ts';

const event = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: '6f1c4f3e-6a43-4f43-9a0e-3c1d2b7e5a10',
  type: 'ReadingRecorded',
  data: { wh: 1 },
  ...overrides,
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(EventStoreError);
    return (error as EventStoreError).code;
  }
};

describe('stream names', () => {
  it.each([
    'meter-1',
    'billRun-2026-04',
    'account-u@example.com',
    'meter_reading-abc:1.2',
    'key-aGk+dA==~1',
  ])('accepts %s', (name) => expect(codeOf(() => validateStreamName(name))).toBeUndefined());
  it.each([
    '',
    'meter',
    '-1',
    'meter-',
    'meter- 1',
    '1meter-a',
    'meter-ä',
    'meter-a/b',
    'meter-"x"',
    `m-${'x'.repeat(199)}`,
  ])('refuses %j', (name) =>
    expect(codeOf(() => validateStreamName(name))).toBe('INVALID_STREAM_NAME'),
  );
  it('refuses a non-string', () => {
    expect(codeOf(() => validateStreamName(42))).toBe('INVALID_STREAM_NAME');
  });
});

describe('expected revisions', () => {
  it.each(['any', 'no_stream', 'stream_exists', 0, 7])('accepts %j', (value) =>
    expect(codeOf(() => validateExpectedRevision(value))).toBeUndefined(),
  );
  it.each([-1, 0.5, Number.NaN, Infinity, 2 ** 53, '1', null, 'latest'])('refuses %j', (value) =>
    expect(codeOf(() => validateExpectedRevision(value))).toBe('INVALID_EXPECTED_REVISION'),
  );
});

describe('events', () => {
  it('lower-cases the id and defaults metadata', () => {
    const valid = validateEvent(event({ id: '6F1C4F3E-6A43-4F43-9A0E-3C1D2B7E5A10' }));
    expect(valid).toEqual({
      ...event(),
      metadata: {},
      dataJson: '{"wh":1}',
      metadataJson: '{}',
    });
  });

  it('accepts nested plain JSON and objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(
      codeOf(() =>
        validateEvent(event({ data: { list: [1, 'a', null, { b: true }], bare } as never })),
      ),
    ).toBeUndefined();
    const shared = { x: 1 };
    expect(codeOf(() => validateEvent(event({ data: { a: shared, b: shared } })))).toBeUndefined();
  });

  it.each([
    ['a lone surrogate', { s: '\ud800' }],
    ['a NUL in a key', { ['a\u0000']: 1 }],
    ['a Map', { m: new Map() }],
    ['a symbol', { s: Symbol('x') }],
  ])('refuses data with %s', (_label, data) => {
    expect(codeOf(() => validateEvent(event({ data: data as never })))).toBe('INVALID_EVENT');
  });

  it('keeps canonical JSON of data and metadata for hashing', () => {
    const valid = validateEvent(
      event({ data: { b: [1, { d: 2, c: 3 }], a: 'é' }, metadata: { z: 1, y: 2 } }),
    );
    expect(valid.dataJson).toBe('{"a":"é","b":[1,{"c":3,"d":2}]}');
    expect(valid.metadataJson).toBe('{"y":2,"z":1}');
  });

  it('accepts an escaped backslash before u0000 and a proper surrogate pair', () => {
    expect(codeOf(() => validateEvent(event({ data: { s: '\\u0000', e: '😀' } })))).toBeUndefined();
  });

  it('measures size in UTF-8 bytes', () => {
    const wide = '€'.repeat(Math.ceil(MAX_EVENT_BYTES / 3)); // 3 bytes each
    expect(codeOf(() => validateEvent(event({ data: { wide } })))).toBe('EVENT_TOO_LARGE');
  });

  it('refuses an append with no events or a repeated id', () => {
    expect(codeOf(() => validateAppend('meter-1', [], 'any'))).toBe('INVALID_EVENT');
    expect(codeOf(() => validateAppend('meter-1', [event(), event()], 'any'))).toBe(
      'INVALID_EVENT',
    );
    expect(validateAppend('meter-1', [event()], 0)).toHaveLength(1);
  });
});
