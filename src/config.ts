// The process configuration: the environment, validated once at start-up into
// a typed object. Every other module receives a Config (or the part it needs)
// rather than reading process.env, so tests can pass their own.

import { z } from 'zod';

// An empty value in a .env file (`REDIS_URL=`) means "not set", not "set to ''".
const blankAsUnset = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());

/**
 * A connection string starting `scheme://`, scheme one of `schemes`. Only the
 * scheme is checked here: KurrentDB cluster strings (`kurrentdb://a:2113,b:2113`)
 * are not WHATWG URLs, and each client parses its own string fully anyway.
 */
const urlWithScheme = (schemes: readonly string[]) =>
  z
    .string()
    .refine((value) => schemes.includes(/^([a-z0-9+.-]+):\/\/\S+$/i.exec(value)?.[1] ?? ''), {
      message: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
    });

// The schemes @kurrent/kurrentdb-client's connection-string parser accepts.
const KURRENTDB_SCHEMES = ['kurrentdb', 'kurrent', 'kdb', 'esdb'].flatMap((s) => [
  s,
  `${s}+discover`,
]);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const NODE_ENVS = ['development', 'production', 'test'] as const;

const environmentSchema = z.object({
  PORT: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^\d{1,5}$/, 'must be an integer from 0 to 65535')
      .transform(Number)
      .pipe(z.number().max(65535, 'must be an integer from 0 to 65535'))
      .default(3000),
  ),
  HOST: z.preprocess(
    blankAsUnset,
    z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  ),
  DATABASE_URL: optional(urlWithScheme(['postgres', 'postgresql'])),
  DATA_DIR: z.preprocess(
    blankAsUnset,
    z.string().trim().min(1, 'must not be empty').default('./data'),
  ),
  REDIS_URL: optional(urlWithScheme(['redis', 'rediss'])),
  KURRENTDB_URL: optional(urlWithScheme(KURRENTDB_SCHEMES)),
  SMTP_URL: optional(urlWithScheme(['smtp', 'smtps'])),
  LOG_LEVEL: z.preprocess(blankAsUnset, z.enum(LOG_LEVELS).default('info')),
  NODE_ENV: z.preprocess(blankAsUnset, z.enum(NODE_ENVS).default('development')),
});

export type LogLevel = (typeof LOG_LEVELS)[number];
export type NodeEnv = (typeof NODE_ENVS)[number];

export interface Config {
  port: number;
  host: string;
  /** Unset: the embedded PGlite store under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  /** Set: events go to KurrentDB instead of Postgres/PGlite. */
  kurrentdbUrl: string | undefined;
  smtpUrl: string | undefined;
  logLevel: LogLevel;
  nodeEnv: NodeEnv;
}

/** Raised when the environment is invalid; `problems` names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    // Only the variable name and the rule it broke: values may be secrets.
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    kurrentdbUrl: e.KURRENTDB_URL,
    smtpUrl: e.SMTP_URL,
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
  };
}
