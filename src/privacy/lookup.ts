// Keyed hashes that let the ledger find things by a personal value without
// storing the value: the email reservation stream is `email-<emailLookup>`.
// An HMAC (not a plain hash) so that nobody holding only the event store can
// test guesses of an address; the key comes from configuration.

import { createHmac } from 'node:crypto';
import { normaliseEmail } from '../domain/account/validation.ts';

const MIN_KEY_BYTES = 32;

export function assertLookupKey(lookupKey: Uint8Array): void {
  if (lookupKey.length < MIN_KEY_BYTES)
    throw new RangeError(`the lookup key must be at least ${MIN_KEY_BYTES} bytes`);
}

/** Hex HMAC-SHA256 of the normalised email, domain-separated from other lookups. */
export function emailLookup(lookupKey: Uint8Array, email: string): string {
  assertLookupKey(lookupKey);
  return createHmac('sha256', lookupKey)
    .update(`meterledger/email/v1\0${normaliseEmail(email)}`, 'utf8')
    .digest('hex');
}
