// The Verhoeff check digit used for Aadhaar numbers, including a known-good
// number that a wrong permutation table (as an earlier copy had) rejects.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verhoeffValid } from '../../../src/domain/shared/verhoeff.ts';

describe('verhoeffValid', () => {
  it('validates Verhoeff check digits', () => {
    expect(verhoeffValid('2363')).toBe(true);
    expect(verhoeffValid('2364')).toBe(false);
    expect(verhoeffValid('234567890124')).toBe(true);
  });

  it('Verhoeff catches every single-digit error and adjacent transposition', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[2-9]\d{10}$/),
        fc.nat(11),
        fc.integer({ min: 1, max: 9 }),
        (prefix, at, delta) => {
          const check = [...'0123456789'].find((d) => verhoeffValid(prefix + d))!;
          const valid = prefix + check;
          expect([...'0123456789'].filter((d) => verhoeffValid(prefix + d))).toEqual([check]);
          const typo =
            valid.slice(0, at) + ((Number(valid[at]) + delta) % 10) + valid.slice(at + 1);
          expect(verhoeffValid(typo)).toBe(false);
          if (at < 11 && valid[at] !== valid[at + 1]) {
            const swapped = valid.slice(0, at) + valid[at + 1] + valid[at] + valid.slice(at + 2);
            expect(verhoeffValid(swapped)).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
