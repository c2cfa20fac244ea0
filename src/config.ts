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

// The web layer's settings are a separate object so that adding one never
// changes the shape of Config that every command already receives.
const secretKey = (name: string) =>
  optional(
    z
      .string()
      .regex(
        /^[A-Za-z0-9+/_-]{43,}={0,2}$/,
        `${name} must be at least 32 bytes, base64 or base64url`,
      ),
  );

/** Comma-separated keys, each as `secretKey`: the earlier keys a rotation still needs. */
const secretKeyList = (name: string) =>
  optional(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((key) => key.trim())
          .filter((key) => key !== ''),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^[A-Za-z0-9+/_-]{43,}={0,2}$/,
              `each key of ${name} must be at least 32 bytes, base64 or base64url`,
            ),
        ),
      ),
  );

const webEnvironmentSchema = z.object({
  PUBLIC_URL: optional(urlWithScheme(['http', 'https'])),
  SMTP_FROM: z.preprocess(
    blankAsUnset,
    z.string().trim().min(3).default('meterledger <no-reply@localhost>'),
  ),
  SMS_URL: optional(urlWithScheme(['http', 'https'])),
  SMS_TOKEN: optional(z.string().min(1)),
  VAULT_MASTER_KEY: secretKey('VAULT_MASTER_KEY'),
  VAULT_PREVIOUS_MASTER_KEYS: secretKeyList('VAULT_PREVIOUS_MASTER_KEYS'),
  LOOKUP_KEY: secretKey('LOOKUP_KEY'),
  LOOKUP_PREVIOUS_KEYS: secretKeyList('LOOKUP_PREVIOUS_KEYS'),
  REDIS_PREFIX: z.preprocess(blankAsUnset, z.string().min(1).max(64).default('ml:')),
  NODE_ENV: z.preprocess(blankAsUnset, z.enum(NODE_ENVS).default('development')),
});

export interface WebConfig {
  /** Origin users reach the app at; links in emails point here. Default http://127.0.0.1:PORT. */
  publicUrl: string | undefined;
  smtpFrom: string;
  /** SMS gateway endpoint (POST JSON {to, text}); unset: SMS go to the dev outbox. */
  smsUrl: string | undefined;
  /** Sent as `Authorization: Bearer …` to the SMS gateway. */
  smsToken: string | undefined;
  /** 32 bytes wrapping every person's data key; required in production. */
  vaultMasterKey: Buffer | undefined;
  /** Earlier master keys (32 bytes each) that still unwrap rows `ledger rotate-vault-key` has not re-wrapped. */
  vaultPreviousMasterKeys: Buffer[];
  /** ≥ 32 bytes keying the email lookup HMAC; required in production. */
  lookupKey: Buffer | undefined;
  /** Earlier lookup keys (≥ 32 bytes each): emails are still looked up and reserved under them. */
  lookupPreviousKeys: Buffer[];
  redisPrefix: string;
}

export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  const parsed = webEnvironmentSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  const e = parsed.data;
  const key = (value: string | undefined) =>
    // Node's base64 decoder reads the URL-safe alphabet too.
    value === undefined ? undefined : Buffer.from(value, 'base64');
  const web: WebConfig = {
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    smtpFrom: e.SMTP_FROM,
    smsUrl: e.SMS_URL,
    smsToken: e.SMS_TOKEN,
    vaultMasterKey: key(e.VAULT_MASTER_KEY),
    vaultPreviousMasterKeys: (e.VAULT_PREVIOUS_MASTER_KEYS ?? []).map((k) => key(k)!),
    lookupKey: key(e.LOOKUP_KEY),
    lookupPreviousKeys: (e.LOOKUP_PREVIOUS_KEYS ?? []).map((k) => key(k)!),
    redisPrefix: e.REDIS_PREFIX,
  };
  const problems: string[] = [];
  if (web.vaultMasterKey && web.vaultMasterKey.length !== 32)
    problems.push('VAULT_MASTER_KEY: must decode to exactly 32 bytes');
  if (web.vaultPreviousMasterKeys.some((k) => k.length !== 32))
    problems.push('VAULT_PREVIOUS_MASTER_KEYS: each key must decode to exactly 32 bytes');
  if (e.NODE_ENV === 'production') {
    // Outside production the keys live in DATA_DIR (src/web/secrets.ts); in production they must be managed.
    if (!web.vaultMasterKey) problems.push('VAULT_MASTER_KEY: required in production');
    if (!web.lookupKey) problems.push('LOOKUP_KEY: required in production');
    if (!web.publicUrl) problems.push('PUBLIC_URL: required in production');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return web;
}
