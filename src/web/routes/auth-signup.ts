// Sign-up and verification: POST /api/auth/signup, /verify-email (+ resend),
// /verify-mobile (+ resend). Sign-up answers the same 202 whether or not the
// email already has an account (the owner is emailed instead), and hashes the
// password either way so the timing does not tell the two apart.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkPasswordPolicy } from '../../auth/password.ts';
import { consumeCode, consumeLink, sha256 } from '../../auth/one-time.ts';
import {
  findAccountIdByEmail,
  registerAccount,
  setPassword,
  verifyEmail,
  verifyMobile,
} from '../../commands/accounts.ts';
import { DomainError } from '../../domain/shared/decider.ts';
import { renderEmail } from '../../notify/index.ts';
import { actorOf, requireSession } from '../auth-guard.ts';
import {
  activeAccount,
  currentAttempt,
  newAttempt,
  problems,
  sendCode,
  sendLink,
} from '../auth-support.ts';
import { commandMetadata, idFromKey } from '../context.ts';
import { signupBody } from '../schemas/auth.ts';
import { statusSchema } from '../schemas/wire.ts';
import { ProblemError } from '../problem.ts';
import { authRateLimit, type RateLimits } from '../security.ts';

export const codeSchema = z.string().regex(/^\d{6}$/, 'a 6-digit code');
export const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a link token');

/** 422 with the policy's code when a new password is unacceptable. */
export function assertPasswordPolicy(password: string): void {
  const problem = checkPasswordPolicy(password);
  if (problem)
    throw new ProblemError(
      422,
      problem,
      'Passwords must be 8 to 128 characters and not a commonly used password.',
    );
}

export async function signupRoutes(root: FastifyInstance, opts: { limits: RateLimits }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const config = authRateLimit(opts.limits);

  app.post(
    '/api/auth/signup',
    {
      config,
      schema: {
        tags: ['auth'],
        body: signupBody,
        response: { 202: statusSchema('check-email'), ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertPasswordPolicy(body.password);
      const metadata = commandMetadata(app, request);
      const key = request.headers['idempotency-key'];
      const accountId = typeof key === 'string' && key ? idFromKey('signup', key) : randomUUID();
      const input = { ...body, accountId, consentGivenAt: metadata.now };
      // Hash first and always: the taken-email path must cost the same time.
      const passwordHash = await app.hasher.hash(body.password);
      const existing = await findAccountIdByEmail(app, body.email);
      let created = false;
      if (existing === null || existing === accountId) {
        try {
          await registerAccount(app, input, metadata);
          created = true;
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'EMAIL_TAKEN')) throw error;
        }
      }
      if (!created) {
        const owner = await findAccountIdByEmail(app, body.email);
        const account = owner && (await activeAccount(app, owner));
        if (account) {
          const base = app.authSettings.publicUrl;
          await app.notifier.email.send(
            renderEmail(account.personal.email, {
              kind: 'account-exists',
              name: account.personal.name,
              loginUrl: `${base}/login`,
              resetUrl: `${base}/password/reset`,
            }),
          );
        }
        await newAttempt(app, reply, null);
        return reply.status(202).send({ status: 'check-email' as const });
      }
      const passwordMeta = { ...metadata, commandId: `${metadata.commandId}:password` };
      await setPassword(app, { accountId, passwordHash }, passwordMeta);
      const account = await activeAccount(app, accountId);
      const attempt = await newAttempt(app, reply, accountId);
      if (account) {
        const { email, name, mobile } = account.personal;
        await sendLink(
          app,
          { purpose: 'verify-email', accountId, attemptId: null },
          { email, name },
        );
        await sendCode(app, { purpose: 'verify-mobile', attemptId: attempt, accountId, mobile });
      }
      return reply.status(202).send({ status: 'check-email' as const });
    },
  );

  app.post(
    '/api/auth/verify-email',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({ token: tokenSchema }),
        response: { 200: statusSchema('email-verified'), ...problems },
      },
    },
    async (request) => {
      const accountId = await consumeLink(app.kv, {
        purpose: 'verify-email',
        token: request.body.token,
        attemptId: null,
      });
      if (!accountId)
        throw new ProblemError(400, 'INVALID_LINK', 'This link is invalid, used or expired.');
      const derived = `verify-email:${sha256(request.body.token)}`;
      await verifyEmail(
        app,
        { accountId },
        commandMetadata(app, request, { derived, actor: accountId }),
      );
      return { status: 'email-verified' as const };
    },
  );

  app.post(
    '/api/auth/verify-email/resend',
    {
      config,
      preValidation: requireSession,
      schema: { tags: ['auth'], response: { 202: statusSchema('check-email'), ...problems } },
    },
    async (request, reply) => {
      const { accountId } = actorOf(request);
      const account = await activeAccount(app, accountId);
      if (account && !account.state.emailVerified) {
        const { email, name } = account.personal;
        await sendLink(
          app,
          { purpose: 'verify-email', accountId, attemptId: null },
          { email, name },
        );
      }
      return reply.status(202).send({ status: 'check-email' as const });
    },
  );

  app.post(
    '/api/auth/verify-mobile',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({ code: codeSchema }),
        response: { 200: statusSchema('mobile-verified'), ...problems },
      },
    },
    async (request) => {
      const attempt = await currentAttempt(app, request);
      if (!attempt) throw new ProblemError(400, 'INVALID_CODE', 'The code is wrong or expired.');
      const result = await consumeCode(app.kv, {
        purpose: 'verify-mobile',
        attemptId: attempt.id,
        code: request.body.code,
      });
      if (!result.ok) throw codeProblem(result.reason);
      const derived = `verify-mobile:${attempt.id}`;
      const metadata = commandMetadata(app, request, { derived, actor: result.accountId });
      await verifyMobile(app, { accountId: result.accountId }, metadata);
      return { status: 'mobile-verified' as const };
    },
  );

  app.post(
    '/api/auth/verify-mobile/resend',
    {
      config,
      schema: { tags: ['auth'], response: { 202: statusSchema('code-sent'), ...problems } },
    },
    async (request, reply) => {
      // A signed-in person starts a fresh attempt; otherwise the sign-up's attempt cookie says
      // who, and the new code replaces the old one under the same attempt.
      const attempt = request.actor ? null : await currentAttempt(app, request);
      const accountId = request.actor?.accountId ?? attempt?.accountId;
      const account = accountId ? await activeAccount(app, accountId) : null;
      if (account && !account.state.mobileVerified) {
        const attemptId = attempt?.id ?? (await newAttempt(app, reply, account.state.accountId));
        const sent = await sendCode(app, {
          purpose: 'verify-mobile',
          attemptId,
          accountId: account.state.accountId,
          mobile: account.personal.mobile,
        });
        if (!sent) throw smsLimitProblem();
      }
      return reply.status(202).send({ status: 'code-sent' as const });
    },
  );
}

export const codeProblem = (reason: 'INVALID_CODE' | 'CODE_LOCKED') =>
  reason === 'CODE_LOCKED'
    ? new ProblemError(429, 'CODE_LOCKED', 'Too many wrong codes; ask for a new one later.')
    : new ProblemError(400, 'INVALID_CODE', 'The code is wrong or expired.');

export const smsLimitProblem = () =>
  new ProblemError(429, 'SMS_LIMIT', 'No more codes can be sent to this account today.');
