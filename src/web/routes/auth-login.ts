// Signing in: POST /api/auth/login (password), /login/mfa (+ resend) for the
// SMS second factor, and /login/link (request, consume) for password-less
// sign-in by an emailed one-time link. Unknown accounts get the same answer
// as wrong passwords, after a dummy scrypt so the timing matches too.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loginLocked, recordLoginFailure } from '../../auth/limits.ts';
import { consumeCode, consumeLink, sha256 } from '../../auth/one-time.ts';
import {
  changePassword,
  findAccountIdByEmail,
  findAccountIdByUsername,
} from '../../commands/accounts.ts';
import {
  activeAccount,
  beginSession,
  currentAttempt,
  emailLinkIfAccount,
  problems,
  sendCode,
} from '../auth-support.ts';
import { commandMetadata, setSessionCookie } from '../context.ts';
import { ProblemError } from '../problem.ts';
import { signInResultSchema as signInResult } from '../schemas/auth.ts';
import { statusSchema } from '../schemas/wire.ts';
import { authRateLimit, type RateLimits } from '../security.ts';
import { codeProblem, codeSchema, smsLimitProblem, tokenSchema } from './auth-signup.ts';

const invalidCredentials = () =>
  new ProblemError(401, 'INVALID_CREDENTIALS', 'Wrong username or password.');
const locked = () =>
  new ProblemError(429, 'LOGIN_LOCKED', 'Too many failed sign-ins; try again in 15 minutes.');

export async function loginRoutes(root: FastifyInstance, opts: { limits: RateLimits }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const config = authRateLimit(opts.limits);

  const findAccountId = (identifier: string) =>
    identifier.includes('@')
      ? findAccountIdByEmail(app, identifier)
      : findAccountIdByUsername(app.store, identifier);

  app.post(
    '/api/auth/login',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({
          username: z.string().min(1).max(254),
          password: z.string().max(1024),
        }),
        response: { 200: signInResult, ...problems },
      },
    },
    async (request, reply) => {
      const identifier = request.body.username.trim().toLowerCase();
      const { password } = request.body;
      if (await loginLocked(app.kv, identifier)) {
        await app.hasher.dummyVerify(password);
        throw locked();
      }
      const accountId = await findAccountId(identifier);
      const account = accountId ? await activeAccount(app, accountId) : null;
      const stored = account?.state.passwordHash ?? null;
      if (!account || stored === null) {
        await app.hasher.dummyVerify(password);
        await recordLoginFailure(app.kv, [identifier]);
        throw invalidCredentials();
      }
      const accountKey = `account:${account.state.accountId}`;
      // Counted per account as well, so switching between username and email buys nothing.
      if (await loginLocked(app.kv, accountKey)) {
        await app.hasher.dummyVerify(password);
        throw locked();
      }
      const verdict = await app.hasher.verify(password, stored);
      if (!verdict.ok) {
        await recordLoginFailure(app.kv, [identifier, accountKey]);
        throw invalidCredentials();
      }
      if (verdict.needsRehash) {
        const derived = `rehash:${sha256(stored)}`;
        const metadata = commandMetadata(app, request, { derived, actor: account.state.accountId });
        const passwordHash = await app.hasher.hash(password);
        await changePassword(app, { accountId: account.state.accountId, passwordHash }, metadata);
      }
      return { status: await beginSession(app, request, reply, account) };
    },
  );

  app.post(
    '/api/auth/login/mfa',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({ code: codeSchema }),
        response: { 200: statusSchema('signed-in'), ...problems },
      },
    },
    async (request, reply) => {
      const session = request.session;
      if (!session || session.stage !== 'mfa')
        throw new ProblemError(401, 'UNAUTHENTICATED', 'Sign in with your password first.');
      const result = await consumeCode(app.kv, {
        purpose: 'login-mfa',
        attemptId: session.attemptId,
        code: request.body.code,
      });
      if (!result.ok) throw codeProblem(result.reason);
      // A second new id: whatever saw the half-signed-in session's id learns nothing useful.
      await app.sessions.destroy(session.id);
      const full = await app.sessions.create({
        accountId: session.accountId,
        roles: session.roles,
        stage: 'full',
      });
      setSessionCookie(app, reply, full);
      return { status: 'signed-in' as const };
    },
  );

  app.post(
    '/api/auth/login/mfa/resend',
    {
      config,
      schema: { tags: ['auth'], response: { 202: statusSchema('code-sent'), ...problems } },
    },
    async (request, reply) => {
      const session = request.session;
      if (!session || session.stage !== 'mfa')
        throw new ProblemError(401, 'UNAUTHENTICATED', 'Sign in with your password first.');
      const account = await activeAccount(app, session.accountId);
      if (!account) throw new ProblemError(401, 'UNAUTHENTICATED', 'Sign in again.');
      const sent = await sendCode(app, {
        purpose: 'login-mfa',
        attemptId: session.attemptId,
        accountId: session.accountId,
        mobile: account.personal.mobile,
      });
      if (!sent) throw smsLimitProblem();
      return reply.status(202).send({ status: 'code-sent' as const });
    },
  );

  app.post(
    '/api/auth/login/link',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({ email: z.string().min(3).max(254) }),
        response: { 202: statusSchema('check-email'), ...problems },
      },
    },
    async (request, reply) => {
      await emailLinkIfAccount(app, reply, request.body.email, 'login-link');
      return reply.status(202).send({ status: 'check-email' as const });
    },
  );

  app.post(
    '/api/auth/login/link/consume',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({ token: tokenSchema }),
        response: { 200: signInResult, ...problems },
      },
    },
    async (request, reply) => {
      const attempt = await currentAttempt(app, request);
      const accountId = await consumeLink(app.kv, {
        purpose: 'login-link',
        token: request.body.token,
        attemptId: attempt?.id ?? null,
      });
      // Without an attempt cookie only an unbound link (the bootstrap's) can match.
      const account = accountId ? await activeAccount(app, accountId) : null;
      if (!account)
        throw new ProblemError(400, 'INVALID_LINK', 'This link is invalid, used or expired.');
      return { status: await beginSession(app, request, reply, account) };
    },
  );
}
