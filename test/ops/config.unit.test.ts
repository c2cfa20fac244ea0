// Operations settings: metrics off unless asked for, a token wins over the
// open switch, bad values name the variable and never echo it.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { loadOpsConfig } from '../../src/ops/config.ts';

describe('loadOpsConfig', () => {
  it('defaults: no /metrics, 30 s lag bound, 15 s shutdown', () => {
    expect(loadOpsConfig({})).toEqual({
      metrics: { access: 'off' },
      maxProjectionLagMs: 30_000,
      shutdownTimeoutMs: 15_000,
    });
  });

  it('serves metrics openly with METRICS_ENABLED, behind the token when one is set', () => {
    expect(loadOpsConfig({ METRICS_ENABLED: 'true' }).metrics).toEqual({ access: 'open' });
    const token = 'a'.repeat(16);
    expect(loadOpsConfig({ METRICS_ENABLED: 'true', METRICS_TOKEN: token }).metrics).toEqual({
      access: 'token',
      token,
    });
    expect(loadOpsConfig({ METRICS_ENABLED: '', METRICS_TOKEN: '' }).metrics).toEqual({
      access: 'off',
    });
  });

  it('refuses a short token, a non-boolean switch and bad durations, naming each, echoing none', () => {
    const secret = 'short-secret';
    let caught: unknown;
    try {
      loadOpsConfig({
        METRICS_TOKEN: secret,
        METRICS_ENABLED: 'yes',
        READY_MAX_PROJECTION_LAG_MS: '-5',
        SHUTDOWN_TIMEOUT_MS: '0',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    for (const name of [
      'METRICS_TOKEN',
      'METRICS_ENABLED',
      'READY_MAX_PROJECTION_LAG_MS',
      'SHUTDOWN_TIMEOUT_MS',
    ])
      expect(problems).toContain(name);
    expect(problems).not.toContain(secret);
  });
});
