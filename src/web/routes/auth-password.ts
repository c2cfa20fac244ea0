// Passwords: POST /api/auth/password/reset (request a link; same 202 for any
// email), /password/reset/confirm (spend the link, set the new password, end
// every session of the account) and /password/change (signed in; needs the
// current password; the session gets a new id and all others end).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { consumeLink, sha256 } from '../../auth/one-time.ts';
import { changePassword, setPassword } from '../../commands/accounts.ts';
import { actorOf, requireSession } from '../auth-guard.ts';
import { activeAccount, currentAttempt, emailLinkIfAccount, problems } from '../auth-support.ts';
import { commandMetadata, setSessionCookie } from '../context.ts';
import { ProblemError } from '../problem.ts';
import { statusSchema } from '../schemas/wire.ts';
import { authRateLimit, type RateLimits } from '../security.ts';
import { assertPasswordPolicy, tokenSchema } from './auth-signup.ts';

const newPassword = z.string().max(1024);

export async function passwordRoutes(root: FastifyInstance, opts: { limits: RateLimits }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const config = authRateLimit(opts.limits);

  /** ChangePassword, or SetPassword for an account that never had one (made by the bootstrap). */
  const storeHash = async (
    accountId: string,
    hadPassword: boolean,
    passwordHash: string,
    m: Parameters<typeof setPassword>[2],
  ) =>
    hadPassword
      ? changePassword(app, { accountId, passwordHash }, m)
      : setPassword(app, { accountId, passwordHash }, m);

  app.post(
    '/api/auth/password/reset',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({ email: z.string().min(3).max(254) }),
        response: { 202: statusSchema('check-email'), ...problems },
      },
    },
    async (request, reply) => {
      await emailLinkIfAccount(app, reply, request.body.email, 'password-reset');
      return reply.status(202).send({ status: 'check-email' as const });
    },
  );

  app.post(
    '/api/auth/password/reset/confirm',
    {
      config,
      schema: {
        tags: ['auth'],
        body: z.strictObject({ token: tokenSchema, newPassword }),
        response: { 200: statusSchema('password-changed'), ...problems },
      },
    },
    async (request) => {
      assertPasswordPolicy(request.body.newPassword);
      const passwordHash = await app.hasher.hash(request.body.newPassword);
      const attempt = await currentAttempt(app, request);
      const accountId = await consumeLink(app.kv, {
        purpose: 'password-reset',
        token: request.body.token,
        attemptId: attempt?.id ?? null,
      });
      const account = accountId ? await activeAccount(app, accountId) : null;
      if (!account)
        throw new ProblemError(400, 'INVALID_LINK', 'This link is invalid, used or expired.');
      const derived = `password-reset:${sha256(request.body.token)}`;
      const metadata = commandMetadata(app, request, { derived, actor: account.state.accountId });
      await storeHash(
        account.state.accountId,
        account.state.passwordHash !== null,
        passwordHash,
        metadata,
      );
      // Whoever knew the old password may hold a session: end them all.
      await app.sessions.destroyAll(account.state.accountId);
      return { status: 'password-changed' as const };
    },
  );

  app.post(
    '/api/auth/password/change',
    {
      config,
      preValidation: requireSession,
      schema: {
        tags: ['auth'],
        // Optional only for an account that has no password yet (the bootstrap superuser).
        body: z.strictObject({ currentPassword: z.string().max(1024).optional(), newPassword }),
        response: { 200: statusSchema('password-changed'), ...problems },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      assertPasswordPolicy(request.body.newPassword);
      const account = await activeAccount(app, actor.accountId);
      if (!account) throw new ProblemError(401, 'UNAUTHENTICATED', 'Sign in again.');
      const stored = account.state.passwordHash;
      const current = request.body.currentPassword;
      const verdict =
        stored === null
          ? { ok: true }
          : current
            ? await app.hasher.verify(current, stored)
            : { ok: false };
      if (!verdict.ok)
        throw new ProblemError(403, 'WRONG_PASSWORD', 'The current password is wrong.');
      const passwordHash = await app.hasher.hash(request.body.newPassword);
      await storeHash(
        actor.accountId,
        stored !== null,
        passwordHash,
        commandMetadata(app, request),
      );
      await app.sessions.destroyAll(actor.accountId);
      const session = await app.sessions.create({ ...actor, stage: 'full' });
      setSessionCookie(app, reply, session);
      return { status: 'password-changed' as const };
    },
  );
}
