// Pure checks and normalisation of what a person types at sign-up or when
// editing their details, run by the service before anything is sealed (the
// decider never sees personal data in clear, so it cannot check it itself).

import { z } from 'zod';
import { DomainError } from '../shared/decider.ts';
import { verhoeffValid } from '../shared/verhoeff.ts';

export type ValidationErrorCode =
  | 'INVALID_USERNAME'
  | 'INVALID_NAME'
  | 'INVALID_EMAIL'
  | 'INVALID_MOBILE'
  | 'INVALID_AADHAAR'
  | 'CONSENT_REQUIRED';

/** The clear personal data sealed into account events, checked again when opened. */
export const accountPersonalDataSchema = z.object({
  name: z.string(),
  email: z.string(),
  mobile: z.string(),
  aadhaar: z.string().nullable(),
});
export type AccountPersonalData = z.infer<typeof accountPersonalDataSchema>;

export interface RegistrationInput {
  username: string;
  name: string;
  email: string;
  mobile: string;
  aadhaar?: string | null;
  /** ISO instant the person ticked the consent box; null or missing: no consent. */
  consentGivenAt?: string | null;
}

export const normaliseUsername = (username: string): string => username.trim().toLowerCase();
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Strips spaces, dashes and an Indian country prefix (+91 / 91 / 0). */
export function normaliseMobile(mobile: string): string {
  const digits = mobile.replace(/[\s-]/g, '');
  const match = /^(?:\+91|91|0)?(\d{10})$/.exec(digits);
  return match ? match[1]! : digits;
}

// Starts with a letter or digit: the username is also a stream id (`username-<name>`).
const USERNAME = /^[a-z0-9][a-z0-9._-]{2,31}$/;
// Deliberately loose (RFC 5322 is not worth matching): one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
// Indian mobile numbers are 10 digits starting 6-9.
const MOBILE = /^[6-9]\d{9}$/;

/** Aadhaar: 12 digits (spaces allowed), not starting 0 or 1, Verhoeff check digit. */
export function normaliseAadhaar(aadhaar: string): string | DomainError<ValidationErrorCode> {
  const digits = aadhaar.replace(/\s/g, '');
  if (!/^[2-9]\d{11}$/.test(digits) || !verhoeffValid(digits))
    return new DomainError('INVALID_AADHAAR', 'Aadhaar must be a valid 12-digit number');
  return digits;
}

/** XXXX-XXXX-1234: the only form in which an Aadhaar number is ever shown. */
export const maskAadhaar = (aadhaar: string): string =>
  `XXXX-XXXX-${aadhaar.replace(/\s/g, '').slice(-4)}`;

/** Name, email, mobile and Aadhaar, normalised; shared by sign-up and edits. */
export function validatePersonalData(input: {
  name: string;
  email: string;
  mobile: string;
  aadhaar?: string | null;
}): AccountPersonalData | DomainError<ValidationErrorCode> {
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > 200)
    return new DomainError('INVALID_NAME', 'name must be 1 to 200 characters');
  const email = normaliseEmail(input.email);
  if (email.length > 254 || !EMAIL.test(email))
    return new DomainError('INVALID_EMAIL', 'email address is not valid');
  const mobile = normaliseMobile(input.mobile);
  if (!MOBILE.test(mobile))
    return new DomainError('INVALID_MOBILE', 'mobile must be a 10-digit Indian number');
  let aadhaar: string | null = null;
  if (input.aadhaar !== undefined && input.aadhaar !== null && input.aadhaar.trim() !== '') {
    const normalised = normaliseAadhaar(input.aadhaar);
    if (normalised instanceof DomainError) return normalised;
    aadhaar = normalised;
  }
  return { name, email, mobile, aadhaar };
}

export function validateRegistration(
  input: RegistrationInput,
):
  | { username: string; personal: AccountPersonalData; consentGivenAt: string }
  | DomainError<ValidationErrorCode> {
  const username = normaliseUsername(input.username);
  if (!USERNAME.test(username))
    return new DomainError(
      'INVALID_USERNAME',
      'username must be 3 to 32 lowercase letters, digits, dots, underscores or hyphens, starting with a letter or digit',
    );
  const personal = validatePersonalData(input);
  if (personal instanceof DomainError) return personal;
  // The instant the person consented is evidence; it must be a real ISO-8601 instant.
  if (
    !input.consentGivenAt ||
    !z.iso.datetime({ offset: true }).safeParse(input.consentGivenAt).success
  )
    return new DomainError('CONSENT_REQUIRED', 'consent to the privacy terms is required');
  return { username, personal, consentGivenAt: input.consentGivenAt };
}
