// Cross-cutting protections: security headers with a CSP for the Svelte SPA
// (scripts only from our origin; inline styles allowed because Svelte
// transitions set style attributes), cookies, CSRF on every state-changing
// request, and rate limits (in Redis when configured, so every web process
// counts together).

import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

export interface RateLimits {
  /** Requests per minute per client address, any route. */
  global: number;
  /** Requests per minute per client address on each /api/auth route. */
  auth: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { global: 600, auth: 30 };

export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export async function registerHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // Referrer: links in emails carry tokens in the URL fragment, never sent, but be strict anyway.
    referrerPolicy: { policy: 'no-referrer' },
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookies, then CSRF: a state-changing request without a valid token gets 403 before any handler. */
export async function registerCookiesAndCsrf(
  app: FastifyInstance,
  options: { csrfCookie: string; secure: boolean },
): Promise<void> {
  await app.register(cookie);
  await app.register(csrf, {
    cookieKey: options.csrfCookie,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: options.secure },
  });
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
    // Signed webhooks from a payment provider opt out with `config: { csrf: false }`.
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config.csrf === false)
      return done();
    app.csrfProtection(request, reply, done);
  });
}

export async function registerRateLimits(
  app: FastifyInstance,
  options: { limits: RateLimits; redis: Redis | null },
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.limits.global,
    timeWindow: '1 minute',
    ...(options.redis ? { redis: options.redis, nameSpace: 'rate-limit:' } : {}),
    // A Redis outage must not take the site down with it.
    skipOnError: true,
  });
}

/** Route config for the tighter limit on authentication routes. */
export const authRateLimit = (limits: RateLimits) => ({
  rateLimit: { max: limits.auth, timeWindow: '1 minute' },
});
