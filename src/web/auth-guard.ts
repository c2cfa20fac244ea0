// Who is asking: an onRequest hook turns the session cookie into
// `request.session` and `request.actor`, and the preHandlers routes attach to
// demand a signed-in actor or one of a set of roles. Roles are read from the
// session, which login fills and which ends when the account is disabled.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../domain/account/index.ts';
import type { Actor } from './context.ts';
import { ProblemError } from './problem.ts';

export function installSessionLoader(app: FastifyInstance): void {
  app.decorateRequest('session', null);
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    const id = request.cookies[app.authSettings.cookies.session];
    // 128 bits in base64url are 22 characters; anything else is not ours.
    if (!id || id.length !== 22) return;
    const session = await app.sessions.get(id);
    if (!session) return;
    request.session = session;
    if (session.stage === 'full')
      request.actor = { accountId: session.accountId, roles: session.roles };
  });
}

/** preHandler: 401 unless a complete session is present. */
export async function requireSession(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (!request.actor) throw new ProblemError(401, 'UNAUTHENTICATED', 'Sign in first.');
}

/** preHandler factory: 401 without a session, 403 without one of `roles`. */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await requireSession(request, reply);
    if (!request.actor!.roles.some((role) => roles.includes(role)))
      throw new ProblemError(403, 'FORBIDDEN', `Requires one of the roles ${roles.join(', ')}.`);
  };
}

/** The signed-in actor, for handlers behind requireSession. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new ProblemError(401, 'UNAUTHENTICATED', 'Sign in first.');
  return request.actor;
}
