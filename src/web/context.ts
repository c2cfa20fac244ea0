// What the auth routes share: the services decorated onto the app (vault,
// lookup key, key-value store, sessions, notifier, password hasher), the
// per-request actor, cookie names and settings, and the command metadata
// every command carries ({now, commandId, actor}) with idempotent retries.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import type { KeyValueStore } from '../auth/kv.ts';
import type { PasswordHasher } from '../auth/password.ts';
import type { Session, SessionStore } from '../auth/sessions.ts';
import type { NodeEnv } from '../config.ts';
import type { Role } from '../domain/account/index.ts';
import type { CommandMetadata } from '../domain/shared/decider.ts';
import type { DevOutbox, Notifier } from '../notify/index.ts';
import type { PersonalDataVault } from '../privacy/vault.ts';

export interface Actor {
  accountId: string;
  roles: Role[];
}

export interface AuthSettings {
  nodeEnv: NodeEnv;
  /** Origin for links in emails, e.g. https://ledger.example.in. */
  publicUrl: string;
  /** Secure + __Host- cookies; true whenever publicUrl is https. */
  secureCookies: boolean;
  clock: () => Date;
  cookies: { session: string; attempt: string; csrf: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    vault: PersonalDataVault;
    lookupKey: Uint8Array;
    previousLookupKeys: readonly Uint8Array[];
    kv: KeyValueStore;
    sessions: SessionStore;
    notifier: Notifier & { outbox: DevOutbox | null };
    hasher: PasswordHasher;
    authSettings: AuthSettings;
  }
  interface FastifyRequest {
    /** The session cookie's live session, complete or awaiting its second factor. */
    session: Session | null;
    /** Who is signed in (a complete session only); null for anonymous requests. */
    actor: Actor | null;
  }
}

export const ATTEMPT_COOKIE_MAX_AGE_S = 10 * 60;

export function cookieNames(secure: boolean): AuthSettings['cookies'] {
  // __Host- cookies must be Secure, path=/ and host-only; browsers drop them otherwise.
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}ml_session`,
    attempt: `${prefix}ml_attempt`,
    csrf: `${prefix}ml_csrf`,
  };
}

export function cookieOptions(app: FastifyInstance, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    secure: app.authSettings.secureCookies,
    sameSite: 'lax' as const,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

export function setSessionCookie(
  app: FastifyInstance,
  reply: FastifyReply,
  session: Session,
): void {
  reply.setCookie(app.authSettings.cookies.session, session.id, cookieOptions(app));
}

export function clearSessionCookie(app: FastifyInstance, reply: FastifyReply): void {
  reply.clearCookie(app.authSettings.cookies.session, cookieOptions(app));
}

export const attemptId = (app: FastifyInstance, request: FastifyRequest): string | null =>
  request.cookies[app.authSettings.cookies.attempt] ?? null;

const IDEMPOTENCY_NAMESPACE = '8b0f0c52-6f57-4a0e-9a43-4f1d3e4a7c11';

/**
 * Metadata for a command. A client's `Idempotency-Key` (or, failing that, a
 * `derived` id the route computes from what makes the request unique) gives
 * the same command id on a retry, so the command is applied once.
 */
export function commandMetadata(
  app: FastifyInstance,
  request: FastifyRequest,
  options: { derived?: string; actor?: string } = {},
): CommandMetadata {
  const actor = options.actor ?? request.actor?.accountId ?? 'anonymous';
  const key = request.headers['idempotency-key'];
  const idempotencyKey =
    typeof key === 'string' && key.length > 0 && key.length <= 200 ? key : null;
  const commandId = idempotencyKey
    ? uuidv5(`${actor}\0${request.routeOptions.url}\0${idempotencyKey}`, IDEMPOTENCY_NAMESPACE)
    : options.derived
      ? uuidv5(options.derived, IDEMPOTENCY_NAMESPACE)
      : randomUUID();
  return { now: app.authSettings.clock().toISOString(), commandId, actor };
}

/** A stable id from a client key, for ids a retry must reuse (the account id of a sign-up). */
export const idFromKey = (scope: string, key: string): string =>
  uuidv5(`${scope}\0${key}`, IDEMPOTENCY_NAMESPACE);
