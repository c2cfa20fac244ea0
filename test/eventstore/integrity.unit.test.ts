import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  ChainVerifier,
  eventHash,
  GENESIS_HASH,
  verifyStream,
} from '../../src/eventstore/integrity.ts';
import type { JsonObject, RecordedEvent } from '../../src/eventstore/port.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 0, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":0}]},"b":1}',
    );
  });

  it('writes numbers and strings as ECMAScript does (RFC 8785)', () => {
    expect(canonicalJson([1.0, -0, 1e21, 0.000001, 1e-7, 'é\n"'])).toBe(
      '[1,0,1e+21,0.000001,1e-7,"é\\n\\""]',
    );
  });

  it('sorts keys by UTF-16 code units', () => {
    expect(canonicalJson({ '\u20ac': 1, '\ud83d\ude00': 2, a: 3, B: 4 })).toBe(
      '{"B":4,"a":3,"€":1,"😀":2}',
    );
  });

  it('rejects values JSON cannot carry', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity, undefined, 10n, () => 1, Symbol('s')]) {
      expect(() => canonicalJson({ v: bad })).toThrow(TypeError);
    }
  });

  it('names the path of what it rejects, however deep', () => {
    expect(() => canonicalJson({ a: [1, { b: Number.NaN }] })).toThrow('$.a[1].b: NaN');
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = { again: cyclic };
    expect(() => canonicalJson(cyclic)).toThrow('$.self.again: cyclic structure');
    expect(() => canonicalJson({ at: new Date(0) })).toThrow('$.at: not a plain object');
  });

  it('writes nesting deeper than its fast writer goes, and shared (not cyclic) values', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(canonicalJson(deep)).toBe(JSON.stringify(deep));
    const shared = { n: 1 };
    expect(canonicalJson({ b: shared, a: [shared, shared] })).toBe(
      '{"a":[{"n":1},{"n":1}],"b":{"n":1}}',
    );
    expect(canonicalJson(Object.assign(Object.create(null), { z: 1, a: 2 }))).toBe('{"a":2,"z":1}');
  });

  it('sorts array-index keys and __proto__ like any other key', () => {
    const parsed: unknown = JSON.parse('{"b":1,"10":2,"9":3,"__proto__":{"x":[1]},"a":4}');
    expect(canonicalJson(parsed)).toBe('{"10":2,"9":3,"__proto__":{"x":[1]},"a":4,"b":1}');
  });

  it('is keys sorted at every depth around JSON.stringify of each leaf (property)', () => {
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      if (value === null || typeof value !== 'object') return JSON.stringify(value);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(record[k])}`).join(',')}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
  });

  it('is the same for any key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
        expect(JSON.parse(canonicalJson(object))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
  });
});

describe('eventHash', () => {
  it('is SHA-256 over prevHash then the canonical content', () => {
    const content = {
      stream: 'meter-1',
      revision: 0,
      id: 'a',
      type: 'T',
      data: { x: 1 },
      metadata: {},
    };
    const expected = createHash('sha256')
      .update(
        GENESIS_HASH +
          '{"data":{"x":1},"id":"a","metadata":{},"revision":0,"stream":"meter-1","type":"T"}',
      )
      .digest('hex');
    expect(eventHash(GENESIS_HASH, content)).toBe(expected);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });
});

describe('verifyStream', () => {
  it('accepts an intact chain and an empty stream', () => {
    expect(verifyStream(chain('meter-1', 4))).toBeNull();
    expect(verifyStream([])).toBeNull();
  });

  it('names the first broken link and why', () => {
    const events = chain('meter-1', 5);
    const changed = events.map((e, i) => (i === 2 ? { ...e, data: { wh: 99 } } : e));
    expect(verifyStream(changed)).toEqual({
      stream: 'meter-1',
      revision: 2,
      reason: 'content_changed',
    });
    expect(verifyStream(events.filter((e) => e.revision !== 1))).toEqual({
      stream: 'meter-1',
      revision: 2,
      reason: 'revision_gap',
    });
    expect(verifyStream([events[0]!, events[2]!, events[1]!])).toMatchObject({
      reason: 'revision_gap',
    });
    expect(verifyStream([events[0]!, events[1]!, events[1]!])).toEqual({
      stream: 'meter-1',
      revision: 1,
      reason: 'out_of_order',
    });
    const relinked = events.map((e, i) => (i === 3 ? { ...e, prevHash: GENESIS_HASH } : e));
    expect(verifyStream(relinked)).toMatchObject({ revision: 3, reason: 'prev_hash_mismatch' });
    expect(verifyStream(events.slice(1))).toMatchObject({ revision: 1, reason: 'revision_gap' });
  });

  it('keeps streams apart when fed the interleaved log', () => {
    const a = chain('meter-a', 3);
    const b = chain('meter-b', 3);
    const verifier = new ChainVerifier();
    const log = [a[0]!, b[0]!, b[1]!, a[1]!, a[2]!, b[2]!];
    expect(log.map((e) => verifier.push(e))).toEqual([null, null, null, null, null, null]);
    expect(verifier.lastRevisions()).toEqual(
      new Map([
        ['meter-a', 2],
        ['meter-b', 2],
      ]),
    );
  });
});

function chain(stream: string, count: number): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let revision = 0; revision < count; revision++) {
    const content = {
      stream,
      revision,
      id: `00000000-0000-4000-8000-${String(revision).padStart(12, '0')}`,
      type: 'ReadingRecorded',
      data: { wh: revision } as JsonObject,
      metadata: {},
    };
    const hash = eventHash(prevHash, content);
    events.push({
      ...content,
      position: String(revision),
      recordedAt: new Date(0),
      prevHash,
      hash,
    });
    prevHash = hash;
  }
  return events;
}
