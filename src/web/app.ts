// Builds the Fastify application: external plugins first (security headers,
// cookies, CSRF, rate limits, OpenAPI), then the app's own services decorated
// onto the instance, then routes. It never listens; server.ts does, so tests
// can `inject` into a built app. Without `auth` only health routes exist
// (the store-only shape some tools and tests use).

import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { KeyValueStore } from '../auth/kv.ts';
import { createPasswordHasher, type PasswordHasher } from '../auth/password.ts';
import { createSessionStore } from '../auth/sessions.ts';
import type { LogLevel, NodeEnv } from '../config.ts';
import type { EventStore } from '../eventstore/port.ts';
import { installHttpMetrics, type HttpMetricsOptions } from '../ops/http.ts';
import { LOG_REDACT } from '../ops/logging.ts';
import type { DevOutbox, Notifier } from '../notify/index.ts';
import type { PersonalDataVault } from '../privacy/vault.ts';
import { installSessionLoader } from './auth-guard.ts';
import { cookieNames } from './context.ts';
import { registerOpenApi } from './openapi.ts';
import { installProblemHandlers, onFrameworkError } from './problem.ts';
import { loginRoutes } from './routes/auth-login.ts';
import { passwordRoutes } from './routes/auth-password.ts';
import { sessionRoutes } from './routes/auth-session.ts';
import { signupRoutes } from './routes/auth-signup.ts';
import { devOutboxRoutes } from './routes/dev-outbox.ts';
import { apiRoutes, type ApiOptions } from './routes/api.ts';
import { healthRoutes, type HealthOptions } from './routes/health.ts';
import { staticUi } from './static-ui.ts';
import {
  DEFAULT_RATE_LIMITS,
  registerCookiesAndCsrf,
  registerHeaders,
  registerRateLimits,
  type RateLimits,
} from './security.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The event store; opened and closed by whoever built the app (the caller owns it). */
    store: EventStore;
  }
}

/** What authentication needs; the caller opens and closes each of these. */
export interface AuthOptions {
  vault: PersonalDataVault;
  lookupKey: Uint8Array;
  /** LOOKUP_PREVIOUS_KEYS: emails are looked up and reserved under these too. */
  previousLookupKeys?: readonly Uint8Array[];
  kv: KeyValueStore;
  /** The ioredis client behind `kv`, for rate limits shared across processes; null in memory mode. */
  redis: Redis | null;
  notifier: Notifier & { outbox: DevOutbox | null };
  nodeEnv: NodeEnv;
  /** Origin links in emails point at; https makes cookies Secure and __Host- prefixed. */
  publicUrl: string;
  hasher?: PasswordHasher;
  rateLimits?: RateLimits;
  clock?: () => Date;
}

export interface AppOptions {
  store: EventStore;
  logLevel: LogLevel;
  /** Where log lines go; stdout by default. */
  logStream?: { write(line: string): void };
  /** Largest request body in bytes. */
  bodyLimit?: number;
  auth?: AuthOptions;
  /** Resource routes (properties, bills, payments, admin, auditor, live); need `auth`. */
  api?: ApiOptions;
  /** Request latency metrics and GET /metrics (src/ops). */
  metrics?: HttpMetricsOptions;
  /** Extra /ready checks (read db, Redis, read-model lag). */
  health?: HealthOptions;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel,
      // Credentials and personal data must not reach the logs.
      redact: LOG_REDACT,
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    logController: new OneLinePerRequest(),
    genReqId: () => randomUUID(),
    frameworkErrors: onFrameworkError,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // While closing, refuse new requests with 503 and drop idle keep-alive sockets.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  installProblemHandlers(app);
  await registerHeaders(app);
  app.decorate('store', options.store);
  if (options.metrics) installHttpMetrics(app, options.metrics);
  await app.register(healthRoutes, options.health ?? {});
  if (options.auth) await registerAuth(app, options.auth);
  if (options.auth && options.api) await app.register(apiRoutes, options.api);
  await app.register(staticUi);
  return app;
}

/**
 * At info, one line per answered request: method, route pattern (never the
 * URL itself, whose ids and query strings may point at a person), status and
 * milliseconds. Fastify's default writes two lines, the first with the raw URL.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(
    error: Error | null,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? '(no route)',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request');
  }
}

async function registerAuth(app: FastifyInstance, auth: AuthOptions): Promise<void> {
  const secureCookies = auth.publicUrl.startsWith('https:');
  // Plain-http cookies are for local development and tests only (docs/security.md).
  if (!secureCookies && auth.nodeEnv === 'production')
    throw new Error('PUBLIC_URL must be https in production: session cookies must be Secure');
  const cookies = cookieNames(secureCookies);
  const limits = auth.rateLimits ?? DEFAULT_RATE_LIMITS;

  await registerCookiesAndCsrf(app, { csrfCookie: cookies.csrf, secure: secureCookies });
  await registerRateLimits(app, { limits, redis: auth.redis });
  await registerOpenApi(app);

  app.decorate('vault', auth.vault);
  app.decorate('lookupKey', auth.lookupKey);
  app.decorate('previousLookupKeys', auth.previousLookupKeys ?? []);
  app.decorate('kv', auth.kv);
  app.decorate('sessions', createSessionStore(auth.kv));
  app.decorate('notifier', auth.notifier);
  app.decorate('hasher', auth.hasher ?? createPasswordHasher());
  app.decorate('authSettings', {
    nodeEnv: auth.nodeEnv,
    publicUrl: auth.publicUrl.replace(/\/+$/, ''),
    secureCookies,
    clock: auth.clock ?? (() => new Date()),
    cookies,
  });
  installSessionLoader(app);

  // zod compiles schemas only inside this context; health routes keep their JSON schemas.
  await app.register(async (api) => {
    api.setValidatorCompiler(validatorCompiler);
    api.setSerializerCompiler(serializerCompiler);
    await api.register(sessionRoutes);
    await api.register(signupRoutes, { limits });
    await api.register(loginRoutes, { limits });
    await api.register(passwordRoutes, { limits });
    const outbox = auth.notifier.outbox;
    if (auth.nodeEnv !== 'production' && outbox) await api.register(devOutboxRoutes, { outbox });
  });
}
