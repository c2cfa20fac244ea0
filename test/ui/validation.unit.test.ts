import { describe, expect, it } from 'vitest';
import {
  hasErrors,
  isCode,
  isMobile,
  isPincode,
  normaliseMobile,
  validateSignup,
  type SignupForm,
} from '../../ui/src/lib/validation.ts';

describe('validateSignup', () => {
  it('accepts a complete form', () => {
    expect(validateSignup(form())).toEqual({});
  });

  it('names every field that is wrong, with a message key', () => {
    const errors = validateSignup({
      name: ' ',
      username: 'a',
      email: 'not-an-email',
      mobile: '12345',
      password: 'short',
      consent: false,
    });
    expect(errors).toEqual({
      name: 'validation.required',
      username: 'validation.username',
      email: 'validation.email',
      mobile: 'validation.mobile',
      password: 'validation.password',
      consent: 'validation.consent',
    });
    expect(hasErrors(errors)).toBe(true);
  });

  it('takes a mobile typed with +91, a leading 0 or spaces', () => {
    expect(validateSignup(form({ mobile: '+91 98765 43210' }))).toEqual({});
    expect(normaliseMobile('098765-43210')).toBe('9876543210');
  });
});

describe('field checks', () => {
  it('mobiles start 6-9 and have 10 digits', () => {
    expect(isMobile('5876543210')).toBe(false);
    expect(isMobile('98765432101')).toBe(false);
    expect(isMobile('6000000000')).toBe(true);
  });

  it('codes are exactly six digits; PIN codes do not start with 0', () => {
    expect(isCode('123456')).toBe(true);
    expect(isCode('12345a')).toBe(false);
    expect(isPincode('560001')).toBe(true);
    expect(isPincode('060001')).toBe(false);
  });
});

const form = (over: Partial<SignupForm> = {}): SignupForm => ({
  name: 'Asha Rao',
  username: 'asha.rao',
  email: 'asha@example.in',
  mobile: '9876543210',
  password: 'correct horse battery',
  consent: true,
  ...over,
});
