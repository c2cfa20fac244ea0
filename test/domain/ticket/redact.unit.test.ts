// Aadhaar masking of free text: valid numbers are masked in any common
// grouping; numbers that fail the checks stay readable.

import { describe, expect, it } from 'vitest';
import { maskAadhaarNumbers } from '../../../src/domain/ticket/index.ts';

// 234567890124 passes the Verhoeff check; 234567890125 does not.
describe('maskAadhaarNumbers', () => {
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
