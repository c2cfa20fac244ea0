import { describe, expect, it } from 'vitest';
import { emailLookup } from '../../src/privacy/lookup.ts';

describe('emailLookup', () => {
  const key = Buffer.alloc(32, 7);
  it('is the same for any spelling of the same normalised address', () => {
    expect(emailLookup(key, ' Asha@Example.IN ')).toBe(emailLookup(key, 'asha@example.in'));
    expect(emailLookup(key, 'asha@example.in')).toMatch(/^[0-9a-f]{64}$/);
  });
  it('differs per address and per key, and never contains the address', () => {
    const a = emailLookup(key, 'asha@example.in');
    expect(emailLookup(key, 'asha2@example.in')).not.toBe(a);
    expect(emailLookup(Buffer.alloc(32, 8), 'asha@example.in')).not.toBe(a);
    expect(a).not.toContain('asha');
  });
  it('refuses a key shorter than 32 bytes', () => {
    expect(() => emailLookup(Buffer.alloc(16), 'asha@example.in')).toThrow(RangeError);
  });
});
