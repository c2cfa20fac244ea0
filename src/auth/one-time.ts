// One-time secrets: 6-digit SMS codes and emailed link tokens. Both come from
// the CSPRNG and are stored only as SHA-256 digests with a TTL of at most ten
// minutes. A code belongs to the attempt that asked for it (a login session,
// a sign-up attempt cookie), so a code sent to one browser is useless in
// another; issuing again overwrites, so a resend invalidates the old code.
// Spending goes through the store's atomic take: two concurrent uses of the
// same code or link succeed exactly once.

import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { KeyValueStore } from './kv.ts';

export const CODE_TTL_MS = 10 * 60_000;
export const LINK_TTL_MS = 10 * 60_000;
/** Wrong guesses allowed against one code before it is destroyed. */
export const MAX_TRIES_PER_CODE = 5;
/** Wrong guesses allowed per account per hour, across codes, resends and IPs. */
export const MAX_FAILURES_PER_ACCOUNT = 10;
const FAILURE_WINDOW_MS = 60 * 60_000;

export type CodePurpose = 'verify-mobile' | 'login-mfa';
export type LinkPurpose = 'verify-email' | 'login-link' | 'password-reset';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

type StoredCode = { digest: string; accountId: string };

const codeKey = (purpose: CodePurpose, attemptId: string) => `otp:${purpose}:${attemptId}`;
const triesKey = (purpose: CodePurpose, attemptId: string) => `otp-tries:${purpose}:${attemptId}`;
const accountFailuresKey = (accountId: string) => `otp-fail:${accountId}`;

/** A fresh 6-digit code for the attempt; any earlier code of the same attempt stops working. */
export async function issueCode(
  kv: KeyValueStore,
  input: { purpose: CodePurpose; attemptId: string; accountId: string },
): Promise<string> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const stored: StoredCode = { digest: sha256(code), accountId: input.accountId };
  await kv.set(codeKey(input.purpose, input.attemptId), JSON.stringify(stored), CODE_TTL_MS);
  await kv.del(triesKey(input.purpose, input.attemptId));
  return code;
}

export type ConsumeFailure = 'INVALID_CODE' | 'CODE_LOCKED';
export type ConsumeResult = { ok: true; accountId: string } | { ok: false; reason: ConsumeFailure };

/**
 * Checks a guess. Tries are counted before comparing, so even concurrent
 * guesses cannot exceed the cap; a locked code is destroyed, and an account
 * past its hourly failure budget accepts no code at all until it passes.
 */
export async function consumeCode(
  kv: KeyValueStore,
  input: { purpose: CodePurpose; attemptId: string; code: string },
): Promise<ConsumeResult> {
  const key = codeKey(input.purpose, input.attemptId);
  const raw = await kv.get(key);
  if (raw === null) return { ok: false, reason: 'INVALID_CODE' };
  const stored = JSON.parse(raw) as StoredCode;
  const failuresKey = accountFailuresKey(stored.accountId);
  const failures = Number((await kv.get(failuresKey)) ?? 0);
  const tries = await kv.incr(triesKey(input.purpose, input.attemptId), CODE_TTL_MS);
  if (tries > MAX_TRIES_PER_CODE || failures >= MAX_FAILURES_PER_ACCOUNT) {
    await kv.del(key);
    return { ok: false, reason: 'CODE_LOCKED' };
  }
  if (!digestsEqual(sha256(input.code), stored.digest)) {
    await kv.incr(failuresKey, FAILURE_WINDOW_MS);
    return { ok: false, reason: 'INVALID_CODE' };
  }
  // Whoever takes the stored value spent the code; a concurrent winner leaves null here.
  const taken = await kv.take(key);
  if (taken !== raw) return { ok: false, reason: 'INVALID_CODE' };
  return { ok: true, accountId: stored.accountId };
}

type StoredLink = { accountId: string; attemptId: string | null };

const linkKey = (purpose: LinkPurpose, digest: string) => `link:${purpose}:${digest}`;
const currentLinkKey = (purpose: LinkPurpose, accountId: string) =>
  `link-current:${purpose}:${accountId}`;

/**
 * A 256-bit token for an emailed link. `attemptId` binds it to the browser
 * that asked (null: any browser, for email verification opened on a phone).
 * The account's previous link of the same purpose is revoked.
 */
export async function issueLink(
  kv: KeyValueStore,
  input: { purpose: LinkPurpose; accountId: string; attemptId: string | null },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const digest = sha256(token);
  const previous = await kv.take(currentLinkKey(input.purpose, input.accountId));
  if (previous !== null) await kv.del(linkKey(input.purpose, previous));
  const stored: StoredLink = { accountId: input.accountId, attemptId: input.attemptId };
  await kv.set(linkKey(input.purpose, digest), JSON.stringify(stored), LINK_TTL_MS);
  await kv.set(currentLinkKey(input.purpose, input.accountId), digest, LINK_TTL_MS);
  return token;
}

/** The account the link was for, or null if unknown, spent, expired or opened in another attempt. */
export async function consumeLink(
  kv: KeyValueStore,
  input: { purpose: LinkPurpose; token: string; attemptId: string | null },
): Promise<string | null> {
  const key = linkKey(input.purpose, sha256(input.token));
  const raw = await kv.get(key);
  if (raw === null) return null;
  const stored = JSON.parse(raw) as StoredLink;
  // A wrong attempt does not spend the link: the right browser may still use it.
  if (stored.attemptId !== null && stored.attemptId !== input.attemptId) return null;
  if ((await kv.take(key)) !== raw) return null;
  await kv.del(currentLinkKey(input.purpose, stored.accountId));
  return stored.accountId;
}

function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
