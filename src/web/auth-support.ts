// Steps the authentication routes share: attempt cookies that one-time codes
// and links are bound to, sending a code by SMS within the daily allowance,
// emailing a link, and starting a session (straight to signed-in, or to the
// SMS second factor when the account's mobile is verified). Nothing here logs
// a code, link or token.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { takeSmsAllowance } from '../auth/limits.ts';
import { issueCode, issueLink, type CodePurpose, type LinkPurpose } from '../auth/one-time.ts';
import { findAccountIdByEmail, loadAccount, openPersonalData } from '../commands/accounts.ts';
import type { AccountPersonalData, AccountState } from '../domain/account/index.ts';
import { renderEmail, smsCodeText } from '../notify/index.ts';
import { ATTEMPT_COOKIE_MAX_AGE_S, cookieOptions, setSessionCookie } from './context.ts';
import { problemSchema } from './schemas/wire.ts';

/** The problem responses every auth route may give, for the OpenAPI document and serialisation. */
export const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  409: problemSchema,
  413: problemSchema,
  415: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

const attemptKey = (id: string) => `attempt:${id}`;

/** Starts a new attempt (fresh id in a 10-minute cookie), remembering which account it is for. */
export async function newAttempt(
  app: FastifyInstance,
  reply: FastifyReply,
  accountId: string | null,
): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  await app.kv.set(attemptKey(id), accountId ?? '', ATTEMPT_COOKIE_MAX_AGE_S * 1000);
  reply.setCookie(
    app.authSettings.cookies.attempt,
    id,
    cookieOptions(app, ATTEMPT_COOKIE_MAX_AGE_S),
  );
  return id;
}

/** The attempt cookie's id and the account it was started for (null: none, or no such account). */
export async function currentAttempt(
  app: FastifyInstance,
  request: FastifyRequest,
): Promise<{ id: string; accountId: string | null } | null> {
  const id = request.cookies[app.authSettings.cookies.attempt];
  if (!id) return null;
  const accountId = await app.kv.get(attemptKey(id));
  if (accountId === null) return null;
  return { id, accountId: accountId === '' ? null : accountId };
}

export type ActiveAccount = Extract<AccountState, { status: 'active' | 'disabled' }> & {
  status: 'active';
};

/** The account if it is active, with its personal data opened; null otherwise. */
export async function activeAccount(
  app: FastifyInstance,
  accountId: string,
): Promise<{ state: ActiveAccount; personal: AccountPersonalData } | null> {
  const state = await loadAccount(app.store, accountId);
  if (state.status !== 'active') return null;
  const personal = await openPersonalData(app.vault, state.personal);
  return personal ? { state: { ...state, status: 'active' }, personal } : null;
}

/** Sends a fresh code unless the account's SMS allowance for today is spent; true when sent. */
export async function sendCode(
  app: FastifyInstance,
  input: { purpose: CodePurpose; attemptId: string; accountId: string; mobile: string },
): Promise<boolean> {
  if (!(await takeSmsAllowance(app.kv, input.accountId, app.authSettings.clock()))) return false;
  const code = await issueCode(app.kv, input);
  await app.notifier.sms.send({ to: input.mobile, text: smsCodeText(code, input.purpose) });
  return true;
}

const LINK_PATHS: Record<LinkPurpose, string> = {
  'verify-email': '/verify-email',
  'login-link': '/login/link',
  'password-reset': '/password/reset',
};

/** Emails a one-time link. The token travels in the fragment, so it never reaches a server log. */
export async function sendLink(
  app: FastifyInstance,
  input: { purpose: LinkPurpose; accountId: string; attemptId: string | null },
  to: { email: string; name: string },
): Promise<void> {
  const token = await issueLink(app.kv, input);
  const link = `${app.authSettings.publicUrl}${LINK_PATHS[input.purpose]}#token=${token}`;
  await app.notifier.email.send(
    renderEmail(to.email, { kind: input.purpose, name: to.name, link }),
  );
}

/**
 * Starts an attempt and emails a one-time link when the address belongs to an
 * active account. Callers answer the same whether or not it did, so the
 * response never tells who has an account.
 */
export async function emailLinkIfAccount(
  app: FastifyInstance,
  reply: FastifyReply,
  email: string,
  purpose: 'login-link' | 'password-reset',
): Promise<void> {
  const attemptId = await newAttempt(app, reply, null);
  const accountId = await findAccountIdByEmail(app, email);
  const account = accountId ? await activeAccount(app, accountId) : null;
  if (!account) return;
  const { email: to, name } = account.personal;
  await sendLink(
    app,
    { purpose, accountId: account.state.accountId, attemptId },
    { email: to, name },
  );
}

export type SignInOutcome = 'signed-in' | 'mfa-required';

/**
 * After a first factor: ends whatever session the browser had (a new id
 * defeats fixation), then either a complete session or, when the mobile is
 * verified, one that waits for the SMS code bound to it.
 */
export async function beginSession(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  account: { state: ActiveAccount; personal: AccountPersonalData },
): Promise<SignInOutcome> {
  if (request.session) await app.sessions.destroy(request.session.id);
  const { accountId, roles, mobileVerified } = account.state;
  const stage = mobileVerified ? 'mfa' : 'full';
  const session = await app.sessions.create({ accountId, roles, stage });
  setSessionCookie(app, reply, session);
  if (stage === 'full') return 'signed-in';
  await sendCode(app, {
    purpose: 'login-mfa',
    attemptId: session.attemptId,
    accountId,
    mobile: account.personal.mobile,
  });
  return 'mfa-required';
}
