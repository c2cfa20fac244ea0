import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  decodePosition,
  encodePosition,
} from '../../src/eventstore/postgres/positions.ts';

describe('Postgres log positions', () => {
  it('order by transaction id first, then position', () => {
    const sorted = [
      encodePosition('9', '100'),
      encodePosition('10', '2'),
      encodePosition('10', '11'),
      encodePosition(18446744073709551615n, 1),
    ];
    const shuffled = [sorted[2]!, sorted[3]!, sorted[0]!, sorted[1]!];
    expect(shuffled.sort(comparePositions)).toEqual(sorted);
    expect(comparePositions(sorted[1]!, encodePosition(10, 2))).toBe(0);
  });

  it('round-trip and sort the same as text (property)', () => {
    const pair = fc.tuple(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
    );
    fc.assert(
      fc.property(pair, pair, ([t1, p1], [t2, p2]) => {
        const a = encodePosition(t1, p1);
        const b = encodePosition(t2, p2);
        expect(decodePosition(a)).toEqual({ transactionId: t1, position: p1 });
        expect(Math.sign(comparePositions(a, b))).toBe(Math.sign(a < b ? -1 : a > b ? 1 : 0));
      }),
    );
  });

  it.each(['', '12', '1:2:3', 'a:1', '-1:2', `${'1'.repeat(21)}:1`])('refuses %j', (text) => {
    expect(() => decodePosition(text)).toThrow(
      expect.objectContaining({ code: 'INVALID_POSITION' }),
    );
  });
});
