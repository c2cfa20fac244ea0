import { describe, expect, it } from 'vitest';
import {
  maskAadhaar,
  normaliseAadhaar,
  normaliseMobile,
  validatePersonalData,
  validateRegistration,
  type RegistrationInput,
} from '../../../src/domain/account/validation.ts';
import { DomainError } from '../../../src/domain/shared/decider.ts';

describe('registration validation', () => {
  it('normalises a valid registration', () => {
    expect(
      validateRegistration({
        ...valid,
        username: ' Asha.K ',
        name: '  Asha   Kumari ',
        email: ' Asha@Example.IN ',
        mobile: '+91 98765-43210',
        aadhaar: '2341 2341 2346',
      }),
    ).toEqual({
      username: 'asha.k',
      personal: {
        name: 'Asha Kumari',
        email: 'asha@example.in',
        mobile: '9876543210',
        aadhaar: '234123412346',
      },
      consentGivenAt: valid.consentGivenAt,
    });
  });

  it('treats a missing or blank Aadhaar as none', () => {
    expect(validateRegistration(valid)).toMatchObject({ personal: { aadhaar: null } });
    expect(validateRegistration({ ...valid, aadhaar: ' ' })).toMatchObject({
      personal: { aadhaar: null },
    });
  });

  it.each([
    ['username too short', { username: 'ab' }, 'INVALID_USERNAME'],
    ['username too long', { username: 'a'.repeat(33) }, 'INVALID_USERNAME'],
    ['username with a space', { username: 'asha k' }, 'INVALID_USERNAME'],
    ['username with @', { username: 'asha@home' }, 'INVALID_USERNAME'],
    ['username starting with a dot', { username: '.asha' }, 'INVALID_USERNAME'],
    ['blank name', { name: '   ' }, 'INVALID_NAME'],
    ['email without @', { email: 'asha.example.in' }, 'INVALID_EMAIL'],
    ['email without a dotted domain', { email: 'asha@localhost' }, 'INVALID_EMAIL'],
    ['email with a space', { email: 'asha k@example.in' }, 'INVALID_EMAIL'],
    ['mobile of 9 digits', { mobile: '987654321' }, 'INVALID_MOBILE'],
    ['mobile starting 5', { mobile: '5876543210' }, 'INVALID_MOBILE'],
    ['mobile with letters', { mobile: '98765abcde' }, 'INVALID_MOBILE'],
    ['Aadhaar of 11 digits', { aadhaar: '23412341234' }, 'INVALID_AADHAAR'],
    ['Aadhaar starting 1', { aadhaar: '123412341234' }, 'INVALID_AADHAAR'],
    ['Aadhaar with a bad check digit', { aadhaar: '234123412345' }, 'INVALID_AADHAAR'],
    ['no consent', { consentGivenAt: null }, 'CONSENT_REQUIRED'],
    ['consent without a valid instant', { consentGivenAt: 'yes' }, 'CONSENT_REQUIRED'],
  ] as const)('rejects %s', (_label, override, code) => {
    const outcome = validateRegistration({ ...valid, ...override });
    expect(outcome).toBeInstanceOf(DomainError);
    expect((outcome as DomainError).code).toBe(code);
  });

  it('accepts boundary usernames of 3 and 32 characters and ._- characters', () => {
    for (const username of ['abc', 'a'.repeat(32), 'a.b_c-9'])
      expect(validateRegistration({ ...valid, username })).not.toBeInstanceOf(DomainError);
  });

  it('validates edits the same way', () => {
    expect(validatePersonalData({ ...valid, mobile: '09876543210' })).toMatchObject({
      mobile: '9876543210',
    });
    expect(validatePersonalData({ ...valid, email: 'x' })).toBeInstanceOf(DomainError);
  });
});

describe('Aadhaar helpers', () => {
  it('masks all but the last four digits', () => {
    expect(maskAadhaar('234123412346')).toBe('XXXX-XXXX-2346');
    expect(maskAadhaar('2341 2341 2346')).toBe('XXXX-XXXX-2346');
  });
  it('checks the Verhoeff digit (the published example 236 has check digit 3)', () => {
    expect(normaliseAadhaar('234567890124')).toBe('234567890124');
    expect(normaliseAadhaar('234567890125')).toBeInstanceOf(DomainError);
    expect(normaliseAadhaar('234123412346')).toBe('234123412346');
  });
  it('normalises mobiles with country prefixes and leaves others to fail validation', () => {
    expect(normaliseMobile('919876543210')).toBe('9876543210');
    expect(normaliseMobile('98765 43210')).toBe('9876543210');
    expect(normaliseMobile('+44 20 7946 0958')).toBe('+442079460958');
  });
});

const valid: RegistrationInput = {
  username: 'asha',
  name: 'Asha Kumari',
  email: 'asha@example.in',
  mobile: '9876543210',
  consentGivenAt: '2026-03-01T10:00:00.000Z',
};
