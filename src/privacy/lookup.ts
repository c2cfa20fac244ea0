// Keyed hashes that let the ledger find things by a personal value without
// storing the value: the email reservation stream is `email-<emailLookup>`.
// An HMAC (not a plain hash) so that nobody holding only the event store can
// test guesses of an address; the key comes from configuration. While a key is
// being rotated the previous ones stay configured and every email is reserved
// under each key (`ledger rotate-lookup-key` fills in the current key's).

import { createHash, createHmac } from 'node:crypto';
import { normaliseEmail } from '../domain/account/validation.ts';

const MIN_KEY_BYTES = 32;

export function assertLookupKey(lookupKey: Uint8Array): void {
  if (lookupKey.length < MIN_KEY_BYTES)
    throw new RangeError(`the lookup key must be at least ${MIN_KEY_BYTES} bytes`);
}

/** A short SHA-256 of the key, to name it in output without revealing it. */
export const lookupKeyId = (lookupKey: Uint8Array): string =>
  createHash('sha256')
    .update('meterledger/lookup-key-id/v1\0')
    .update(lookupKey)
    .digest('hex')
    .slice(0, 16);

/** Hex HMAC-SHA256 of the normalised email, domain-separated from other lookups. */
export function emailLookup(lookupKey: Uint8Array, email: string): string {
  assertLookupKey(lookupKey);
  return createHmac('sha256', lookupKey)
    .update(`meterledger/email/v1\0${normaliseEmail(email)}`, 'utf8')
    .digest('hex');
}

/** The lookup keys configured: the current one first, then LOOKUP_PREVIOUS_KEYS. */
export interface LookupKeyring {
  lookupKey: Uint8Array;
  previousLookupKeys?: readonly Uint8Array[];
}

/**
 * The email's lookup under every configured key, current first, without
 * repeats. Sign-ups reserve all of them, so two processes whose key lists
 * share any key contend on that key's stream (docs/operations.md, Rotate keys).
 */
export function emailLookups(keys: LookupKeyring, email: string): string[] {
  const all = [keys.lookupKey, ...(keys.previousLookupKeys ?? [])];
  return [...new Set(all.map((key) => emailLookup(key, email)))];
}
