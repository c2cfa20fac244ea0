// The web layer's settings (loadWebConfig): keys decoded and checked, and the
// settings production cannot run without.

import { describe, expect, it } from 'vitest';
import { ConfigError, loadWebConfig } from '../../src/config.ts';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('loadWebConfig', () => {
  it('has working defaults outside production', () => {
    const web = loadWebConfig({});
    expect(web).toMatchObject({ publicUrl: undefined, smsUrl: undefined, redisPrefix: 'ml:' });
    expect(web.vaultMasterKey).toBeUndefined();
  });

  it('decodes keys and trims the public URL', () => {
    const web = loadWebConfig({
      VAULT_MASTER_KEY: KEY,
      LOOKUP_KEY: KEY,
      PUBLIC_URL: 'https://x.in/',
    });
    expect(web.vaultMasterKey).toEqual(Buffer.alloc(32, 1));
    expect(web.publicUrl).toBe('https://x.in');
  });

  it('refuses a short master key, a bad SMS URL, and production without keys or URL', () => {
    const short = Buffer.alloc(40, 2).toString('base64');
    expect(() => loadWebConfig({ VAULT_MASTER_KEY: short })).toThrow(ConfigError);
    expect(() => loadWebConfig({ SMS_URL: 'ftp://sms' })).toThrow(/SMS_URL/);
    const error = (() => {
      try {
        loadWebConfig({ NODE_ENV: 'production' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'LOOKUP_KEY',
      'PUBLIC_URL',
      'VAULT_MASTER_KEY',
    ]);
  });
});
