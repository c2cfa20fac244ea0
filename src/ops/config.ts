// Operations settings from the environment: whether and how /metrics is
// served, how far a read model may fall behind before /ready says no, and how
// long a graceful shutdown may take. Validated like src/config.ts: a bad value
// names the variable, never echoes the value (METRICS_TOKEN is a secret).

import { z } from 'zod';
import { ConfigError } from '../config.ts';

const blankAsUnset = (value: unknown) => (value === '' ? undefined : value);

const positiveMs = (fallback: number) =>
  z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^\d{1,9}$/, 'must be a whole number of milliseconds')
      .transform(Number)
      .pipe(z.number().min(1, 'must be at least 1 ms'))
      .default(fallback),
  );

const opsEnvironmentSchema = z.object({
  METRICS_ENABLED: z.preprocess(blankAsUnset, z.enum(['true', 'false']).default('false')),
  METRICS_TOKEN: z.preprocess(
    blankAsUnset,
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  READY_MAX_PROJECTION_LAG_MS: positiveMs(30_000),
  SHUTDOWN_TIMEOUT_MS: positiveMs(15_000),
});

export interface OpsConfig {
  /**
   * `off`: no /metrics route. `open`: anyone who reaches the port may scrape
   * (METRICS_ENABLED=true, for a private network). `token`: a bearer token is required.
   */
  metrics: { access: 'off' } | { access: 'open' } | { access: 'token'; token: string };
  /** /ready fails when a read model's oldest unapplied event is older than this. */
  maxProjectionLagMs: number;
  /** A graceful shutdown taking longer than this exits with code 1. */
  shutdownTimeoutMs: number;
}

export function loadOpsConfig(env: Record<string, string | undefined> = process.env): OpsConfig {
  const parsed = opsEnvironmentSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  const e = parsed.data;
  const metrics: OpsConfig['metrics'] = e.METRICS_TOKEN
    ? { access: 'token', token: e.METRICS_TOKEN }
    : e.METRICS_ENABLED === 'true'
      ? { access: 'open' }
      : { access: 'off' };
  return {
    metrics,
    maxProjectionLagMs: e.READY_MAX_PROJECTION_LAG_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
