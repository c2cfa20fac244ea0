import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('gives the embedded defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: './data',
      redisUrl: undefined,
      kurrentdbUrl: undefined,
      smtpUrl: undefined,
      logLevel: 'info',
      nodeEnv: 'development',
    });
  });

  it('reads every variable when set', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://app@db:5432/ledger',
      DATA_DIR: '/var/lib/ledger',
      REDIS_URL: 'redis://cache:6379',
      KURRENTDB_URL: 'kurrentdb://events:2113?tls=false',
      SMTP_URL: 'smtp://mail:1025',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
    });
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://app@db:5432/ledger',
      dataDir: '/var/lib/ledger',
      redisUrl: 'redis://cache:6379',
      kurrentdbUrl: 'kurrentdb://events:2113?tls=false',
      smtpUrl: 'smtp://mail:1025',
      logLevel: 'debug',
      nodeEnv: 'production',
    });
  });

  it('treats blank values (as in a .env file) as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: '' });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('accepts port 0 (let the OS choose) and the other KurrentDB schemes', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    const cluster = 'kurrentdb://node1:2113,node2:2113,node3:2113?tls=false';
    expect(loadConfig({ KURRENTDB_URL: cluster }).kurrentdbUrl).toBe(cluster);
    expect(loadConfig({ KURRENTDB_URL: 'esdb+discover://cluster.local' }).kurrentdbUrl).toBe(
      'esdb+discover://cluster.local',
    );
    expect(loadConfig({ DATABASE_URL: 'postgresql://x/y' }).databaseUrl).toBe('postgresql://x/y');
  });

  it('lists every bad variable at once, without echoing values', () => {
    const error = catchConfigError({
      PORT: 'http',
      HOST: '   ',
      DATABASE_URL: 'mysql://root:hunter2@db/ledger',
      REDIS_URL: 'not a url',
      KURRENTDB_URL: 'http://events:2113',
      SMTP_URL: 'mailto:ops@example.com',
      LOG_LEVEL: 'loud',
      NODE_ENV: 'staging',
      DATA_DIR: '',
    });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_URL',
      'HOST',
      'KURRENTDB_URL',
      'LOG_LEVEL',
      'NODE_ENV',
      'PORT',
      'REDIS_URL',
      'SMTP_URL',
    ]);
    expect(error.message).toContain('DATABASE_URL: must be a URL starting with postgres://');
    expect(error.message).not.toContain('hunter2');
  });

  it.each(['-1', '65536', '3000.5', ' ', '1e3'])('rejects PORT=%j', (port) => {
    expect(catchConfigError({ PORT: port }).problems).toEqual([
      'PORT: must be an integer from 0 to 65535',
    ]);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' }).port).toBe(3000);
  });
});

function catchConfigError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}
