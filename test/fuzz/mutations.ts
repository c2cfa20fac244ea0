// fast-check arbitraries that turn a valid byte string into a broken one:
// bit flips, truncation, extension, an overwritten u16 length prefix (up to
// 0xffff, far past the frame), a changed version or type byte, or a spliced
// run of random bytes. The result always differs from the input.

import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'length'; at: number; value: number }
  | { kind: 'byte'; at: 0 | 1; value: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({
    kind: fc.constant('extend' as const),
    extra: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constant(0xffff), fc.constant(0), fc.integer({ min: 0, max: 0xffff })),
  }),
  fc.record({
    kind: fc.constant('byte' as const),
    at: fc.constantFrom(0 as const, 1 as const),
    value: fc.nat(255),
  }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }),
  }),
);

/** Applies `m` to `input`; a mutation that happens to change nothing appends a byte instead. */
export function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  const out = applyMutation(input, m);
  const same = out.length === input.length && out.every((b, i) => b === input[i]);
  return same ? Uint8Array.from([...input, 0]) : out;
}

function applyMutation(input: Uint8Array, m: Mutation): Uint8Array {
  const n = input.length;
  switch (m.kind) {
    case 'flip': {
      const out = input.slice();
      if (n > 0) out[m.at % n] = (out[m.at % n] as number) ^ (1 << m.bit);
      return out;
    }
    case 'truncate':
      return input.slice(0, n === 0 ? 0 : m.keep % n);
    case 'extend':
      return Uint8Array.from([...input, ...m.extra]);
    case 'length': {
      // Length prefixes sit at byte 2 of every plain frame; elsewhere they are anywhere.
      const out = input.slice();
      if (n < 2) return out;
      const at = m.at % 3 === 0 ? Math.min(2, n - 2) : m.at % (n - 1);
      out[at] = m.value >> 8;
      out[at + 1] = m.value & 0xff;
      return out;
    }
    case 'byte': {
      const out = input.slice();
      if (n > m.at) out[m.at] = m.value;
      return out;
    }
    case 'splice': {
      const at = n === 0 ? 0 : m.at % n;
      return Uint8Array.from([
        ...input.slice(0, at),
        ...m.bytes,
        ...input.slice(at + m.bytes.length),
      ]);
    }
    default: {
      const _exhaustive: never = m;
      return _exhaustive;
    }
  }
}

/** JSON that looks like a reading or an auth but has the wrong types (meters speak bytes). */
export const wrongJson: fc.Arbitrary<string> = fc
  .tuple(
    fc.record({
      meterId: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.string()),
      seq: fc.oneof(fc.string(), fc.double(), fc.constant(-1), fc.constant(null)),
      registerWh: fc.oneof(fc.string(), fc.double(), fc.object()),
      signature: fc.oneof(fc.string(), fc.integer()),
    }),
    fc.jsonValue(),
  )
  // `__proto__` as a real key: an object literal would set the prototype instead.
  .map(([o, proto]) => `{"__proto__":${JSON.stringify(proto)},${JSON.stringify(o).slice(1)}`);

/** Fixed seed (override with FUZZ_SEED); fast-check prints it with any counterexample. */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 20261128);
