// Client-side checks for the forms, so a person hears about a typo before a
// round trip. The server checks everything again; these mirror its rules
// (mobile: 10 digits starting 6-9; password 8-128; codes 6 digits).

import type { SignupInput } from './auth-api.ts';
import { t, type MessageKey } from './i18n/index.ts';
import { parseRupees } from './money.ts';
import type { Address } from './portal-api.ts';

export type Errors<F extends string> = Partial<Record<F, MessageKey>>;

/** The message for one field's error, for a Field's `error`; null when it has none. */
export function messageFor<F extends string>(errors: Errors<F>, field: F): string | null {
  const key = errors[field];
  return key ? t(key) : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MOBILE = /^[6-9]\d{9}$/;
const USERNAME = /^[a-zA-Z0-9._-]{3,32}$/;

export const isEmail = (v: string) => EMAIL.test(v.trim());
/** Accepts spaces, dashes and a +91 / 0 prefix, as people type them. */
export const normaliseMobile = (v: string) => v.replace(/[\s-]/g, '').replace(/^(\+91|0)/, '');
export const isMobile = (v: string) => MOBILE.test(normaliseMobile(v));
export const isCode = (v: string) => /^\d{6}$/.test(v.trim());
export const isPincode = (v: string) => /^[1-9]\d{5}$/.test(v.trim());
/** A compressed secp256k1 public key in hex, as the provisioning tool prints it. */
export const isPublicKey = (v: string) => /^0[23][0-9a-f]{64}$/.test(v.trim().toLowerCase());
export const isPasswordLength = (v: string) => v.length >= 8 && v.length <= 128;

/** The sign-up request as the form holds it: consent is still a checkbox that may be off. */
export type SignupForm = Omit<SignupInput, 'consent'> & { consent: boolean };

export function validateSignup(f: SignupForm): Errors<keyof SignupForm> {
  const errors: Errors<keyof SignupForm> = {};
  if (!f.name.trim()) errors.name = 'validation.required';
  if (!USERNAME.test(f.username.trim())) errors.username = 'validation.username';
  if (!isEmail(f.email)) errors.email = 'validation.email';
  if (!isMobile(f.mobile)) errors.mobile = 'validation.mobile';
  if (!isPasswordLength(f.password)) errors.password = 'validation.password';
  if (!f.consent) errors.consent = 'validation.consent';
  return errors;
}

export const hasErrors = (errors: Record<string, unknown>) => Object.keys(errors).length > 0;

/** House number, building or street: at least one says where on the street it is. */
export function validateAddress(a: Address): Errors<keyof Address> {
  const errors: Errors<keyof Address> = {};
  if (!a.houseNo.trim() && !a.building.trim() && !a.street.trim())
    errors.street = 'validation.where';
  if (!a.city.trim()) errors.city = 'validation.required';
  if (!a.state.trim()) errors.state = 'validation.required';
  if (!isPincode(a.pincode)) errors.pincode = 'validation.pincode';
  return errors;
}

export interface CounterPaymentForm {
  method: 'cash' | 'cheque' | 'upi';
  receipt: string;
  /** Rupees as typed. */
  amount: string;
  /** Cheque number or UPI transaction reference. */
  reference: string;
}

export function validateCounterPayment(f: CounterPaymentForm): Errors<keyof CounterPaymentForm> {
  const errors: Errors<keyof CounterPaymentForm> = {};
  const paise = parseRupees(f.amount);
  if (paise === null || paise <= 0) errors.amount = 'validation.amount';
  if (!f.receipt.trim()) errors.receipt = 'validation.required';
  if (f.method === 'cheque' && !/^\d{6}$/.test(f.reference.trim()))
    errors.reference = 'validation.cheque';
  if (f.method === 'upi' && !/^[A-Za-z0-9]{6,35}$/.test(f.reference.trim()))
    errors.reference = 'validation.utr';
  return errors;
}

/** A new state: its two-letter code (any case; sent upper-cased) and its name. */
export function validateState(s: { stateCode: string; name: string }): MessageKey | null {
  if (!/^[A-Za-z]{2}$/.test(s.stateCode.trim())) return 'validation.stateCode';
  if (!s.name.trim()) return 'validation.required';
  return null;
}

/** A city with the PIN code range it covers; null when it is acceptable. */
export function validateCity(c: {
  name: string;
  pincodeFrom: string;
  pincodeTo: string;
}): MessageKey | null {
  if (!c.name.trim()) return 'validation.required';
  if (!isPincode(c.pincodeFrom) || !isPincode(c.pincodeTo)) return 'validation.pincode';
  if (Number(c.pincodeFrom) > Number(c.pincodeTo)) return 'validation.pincodeRange';
  return null;
}
