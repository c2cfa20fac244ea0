// The rotation settings of loadWebConfig: comma-separated previous keys,
// decoded and checked, and never echoed back in an error.

import { describe, expect, it } from 'vitest';
import { ConfigError, loadWebConfig } from '../../src/config.ts';

const key = (fill: number, bytes = 32) => Buffer.alloc(bytes, fill).toString('base64');

describe('previous vault and lookup keys', () => {
  it('default to none', () => {
    const web = loadWebConfig({});
    expect(web.vaultPreviousMasterKeys).toEqual([]);
    expect(web.lookupPreviousKeys).toEqual([]);
  });

  it('read comma-separated keys, spaces and blanks allowed, in order', () => {
    const web = loadWebConfig({
      VAULT_PREVIOUS_MASTER_KEYS: ` ${key(1)} ,${key(2)},`,
      LOOKUP_PREVIOUS_KEYS: key(3, 48),
    });
    expect(web.vaultPreviousMasterKeys).toEqual([Buffer.alloc(32, 1), Buffer.alloc(32, 2)]);
    expect(web.lookupPreviousKeys).toEqual([Buffer.alloc(48, 3)]);
  });

  it('refuse short or wrong-sized keys without showing them', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadWebConfig(env);
      } catch (e) {
        return (e as ConfigError).problems.join('\n');
      }
      return '';
    };
    const tooShort = `${key(1)},c2hvcnQ=`;
    expect(problems({ VAULT_PREVIOUS_MASTER_KEYS: tooShort })).toMatch(
      /VAULT_PREVIOUS_MASTER_KEYS.*at least 32 bytes/,
    );
    expect(problems({ VAULT_PREVIOUS_MASTER_KEYS: tooShort })).not.toContain('c2hvcnQ');
    expect(problems({ VAULT_PREVIOUS_MASTER_KEYS: key(1, 40) })).toContain(
      'VAULT_PREVIOUS_MASTER_KEYS: each key must decode to exactly 32 bytes',
    );
    expect(problems({ LOOKUP_PREVIOUS_KEYS: 'abc' })).toMatch(/LOOKUP_PREVIOUS_KEYS/);
    expect(() => loadWebConfig({ LOOKUP_PREVIOUS_KEYS: 'abc' })).toThrow(ConfigError);
  });
});
