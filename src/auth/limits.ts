// Per-account counters that IP rate limits cannot replace: an attacker with
// many addresses still hits these. Password guesses are counted per login
// identifier (so an unknown username locks exactly like a real one, and the
// lock says nothing about existence), and SMS sends per account per day (SMS
// costs money and can be used to harass the number's owner).

import type { KeyValueStore } from './kv.ts';

export const MAX_LOGIN_FAILURES = 10;
const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_SMS_PER_DAY = 10;
const DAY_MS = 24 * 60 * 60_000;

const loginKey = (identifier: string) => `login-fail:${identifier.trim().toLowerCase()}`;

export async function loginLocked(kv: KeyValueStore, identifier: string): Promise<boolean> {
  return Number((await kv.get(loginKey(identifier))) ?? 0) >= MAX_LOGIN_FAILURES;
}

export async function recordLoginFailure(kv: KeyValueStore, identifiers: string[]): Promise<void> {
  for (const identifier of new Set(identifiers))
    await kv.incr(loginKey(identifier), LOGIN_WINDOW_MS);
}

/** Counts one SMS against the account's daily allowance; false once it is used up. */
export async function takeSmsAllowance(
  kv: KeyValueStore,
  accountId: string,
  now: Date,
): Promise<boolean> {
  const day = now.toISOString().slice(0, 10);
  return (await kv.incr(`sms-day:${accountId}:${day}`, DAY_MS)) <= MAX_SMS_PER_DAY;
}
