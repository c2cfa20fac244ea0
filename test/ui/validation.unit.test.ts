import { describe, expect, it } from 'vitest';
import { isPeriod, previousMonth } from '../../ui/src/lib/periods.ts';
import {
  hasErrors,
  isCode,
  isMobile,
  isPincode,
  isPublicKey,
  normaliseMobile,
  validateAddress,
  validateCity,
  validateCounterPayment,
  validateSignup,
  validateState,
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

describe('validateAddress', () => {
  const address = {
    houseNo: '12',
    building: '',
    street: 'MG Road',
    city: 'Bengaluru',
    state: 'Karnataka',
    pincode: '560001',
  };

  it('accepts an address with a house number or street, city, state and PIN code', () => {
    expect(validateAddress(address)).toEqual({});
  });

  it('needs something that says where on the street, and a real PIN code', () => {
    expect(
      validateAddress({ ...address, houseNo: ' ', street: '', pincode: '56001', city: '' }),
    ).toEqual({
      street: 'validation.where',
      pincode: 'validation.pincode',
      city: 'validation.required',
    });
  });
});

describe('validateCounterPayment', () => {
  it('accepts cash with an amount and a receipt', () => {
    expect(
      validateCounterPayment({ method: 'cash', receipt: 'R-1', amount: '1,250.50', reference: '' }),
    ).toEqual({});
  });

  it('refuses zero, a missing receipt, a bad cheque number and a bad UPI reference', () => {
    expect(
      validateCounterPayment({ method: 'cheque', receipt: ' ', amount: '0', reference: '12345' }),
    ).toEqual({
      amount: 'validation.amount',
      receipt: 'validation.required',
      reference: 'validation.cheque',
    });
    expect(
      validateCounterPayment({ method: 'upi', receipt: 'R-2', amount: '10', reference: 'ab-12' }),
    ).toEqual({ reference: 'validation.utr' });
  });
});

describe('isPublicKey', () => {
  it('takes a compressed secp256k1 key in hex, either case', () => {
    expect(isPublicKey(`02${'ab'.repeat(32)}`)).toBe(true);
    expect(isPublicKey(`03${'AB'.repeat(32)}`)).toBe(true);
    expect(isPublicKey(`04${'ab'.repeat(32)}`)).toBe(false);
    expect(isPublicKey(`02${'ab'.repeat(31)}`)).toBe(false);
  });
});

describe('previousMonth', () => {
  it('is the month before, across a year boundary too', () => {
    expect(previousMonth(new Date('2026-03-15T00:00:00Z'))).toBe('2026-02');
    expect(previousMonth(new Date('2026-01-01T05:00:00Z'))).toBe('2025-12');
    expect(isPeriod('2026-13')).toBe(false);
    expect(isPeriod('2026-12')).toBe(true);
  });
});

describe('validateCity', () => {
  it('needs a name and a PIN code range in order', () => {
    expect(validateCity({ name: 'Mysuru', pincodeFrom: '570001', pincodeTo: '570030' })).toBeNull();
    expect(validateCity({ name: ' ', pincodeFrom: '570001', pincodeTo: '570030' })).toBe(
      'validation.required',
    );
    expect(validateCity({ name: 'Mysuru', pincodeFrom: '57000', pincodeTo: '570030' })).toBe(
      'validation.pincode',
    );
    expect(validateCity({ name: 'Mysuru', pincodeFrom: '570030', pincodeTo: '570001' })).toBe(
      'validation.pincodeRange',
    );
  });
});

describe('validateState', () => {
  it('needs a two-letter code and a name', () => {
    expect(validateState({ stateCode: 'ka ', name: 'Karnataka' })).toBeNull();
    expect(validateState({ stateCode: 'K', name: 'Karnataka' })).toBe('validation.stateCode');
    expect(validateState({ stateCode: 'K1', name: 'Karnataka' })).toBe('validation.stateCode');
    expect(validateState({ stateCode: 'KA', name: ' ' })).toBe('validation.required');
  });
});
