// Aadhaar masking of free text: valid numbers are masked in any common
// grouping; numbers that fail the checks stay readable.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskAadhaarNumbers } from '../../../src/domain/ticket/index.ts';
import { verhoeffValid } from '../../../src/domain/ticket/redact.ts';

// 234567890124 passes the Verhoeff check; 234567890125 does not.
describe('maskAadhaarNumbers', () => {
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

  it.each([
    ['234567890124', 'XXXX XXXX 0124'],
    ['2345 6789 0124', 'XXXX XXXX 0124'],
    ['2345-6789-0124', 'XXXX XXXX 0124'],
    ['id:234567890124.', 'id:XXXX XXXX 0124.'],
  ])('masks %s', (input, masked) => {
    expect(maskAadhaarNumbers(input)).toBe(masked);
  });

  it.each([
    ['a failed check digit', '234567890125'],
    ['a leading 1 (never issued)', '134567890129'],
    ['part of a longer number', '9234567890124'],
    ['mixed separators', '2345 6789-0124'],
    ['a short number', 'bill 12345'],
  ])('leaves %s alone', (_name, input) => {
    expect(maskAadhaarNumbers(input)).toBe(input);
  });
});
