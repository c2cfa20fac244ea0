// Cross-cutting protections: security headers with a CSP for the Svelte SPA
// (scripts only from our origin; inline styles allowed because Svelte
// transitions set style attributes), cookies, CSRF on every state-changing
// request, and rate limits (in Redis when configured, so every web process
// counts together).

import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
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

const HELMET_OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  // Referrer: links in emails carry tokens in the URL fragment, never sent, but be strict anyway.
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** Headers every answer has whatever helmet does (the probe's own answer adds them). */
const NOT_HELMETS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * Helmet's headers for our options, worked out once by asking a probe app
 * that registers @fastify/helmet. The plugin itself rebuilds helmet's
 * middleware, CSP parsing included, on every request (3% of the API's CPU).
 */
export async function securityHeaders(): Promise<Record<string, string>> {
  const probe = Fastify();
  try {
    await probe.register(helmet, HELMET_OPTIONS);
    probe.get('/', async () => '');
    const { headers } = await probe.inject({ method: 'GET', url: '/' });
    return Object.fromEntries(
      Object.entries(headers)
        .filter(([name, value]) => !NOT_HELMETS.has(name) && typeof value === 'string')
        .map(([name, value]) => [name, String(value)]),
    );
  } finally {
    await probe.close();
  }
}

export async function registerHeaders(app: FastifyInstance): Promise<void> {
  const headers = await securityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
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
