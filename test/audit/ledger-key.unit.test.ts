// The ledger signing key: from LEDGER_SIGNING_KEY or a 0600 key file in the
// data directory (created in development only), never shown in logs.

import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LEDGER_KEY_FILE,
  ledgerKeyFromHex,
  loadLedgerKey,
  verifyLedgerSignature,
} from '../../src/audit/ledger-key.ts';

const SECRET = '01'.repeat(32);
// Public key of the secret 0x0101…01.
const PUBLIC = '031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f';
const HASH = new Uint8Array(32).fill(7);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-key-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('ledger key', () => {
  it('derives the compressed public key and signs verifiably (low-S compact)', () => {
    const key = ledgerKeyFromHex(SECRET);
    expect(key.publicKey).toBe(PUBLIC);
    const signature = Buffer.from(key.sign(HASH)).toString('hex');
    expect(signature).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyLedgerSignature(PUBLIC, HASH, signature)).toBe(true);
    expect(verifyLedgerSignature(PUBLIC, new Uint8Array(32), signature)).toBe(false);
    expect(verifyLedgerSignature(PUBLIC, HASH, 'zz')).toBe(false);
    expect(verifyLedgerSignature('02', HASH, signature)).toBe(false);
  });

  it('never shows the secret in JSON or inspection', () => {
    const key = ledgerKeyFromHex(SECRET);
    expect(JSON.stringify({ key })).not.toContain(SECRET);
    expect(JSON.stringify({ key })).toContain(PUBLIC);
    expect(inspect(key)).not.toContain(SECRET);
  });

  it('rejects a malformed or out-of-range secret without echoing it', () => {
    for (const bad of ['abc', '01'.repeat(31), 'ff'.repeat(32), '00'.repeat(32)]) {
      expect(() => ledgerKeyFromHex(bad)).toThrow(/LEDGER_SIGNING_KEY|not a valid/);
      try {
        ledgerKeyFromHex(bad);
      } catch (error) {
        expect((error as Error).message).not.toContain(bad);
      }
    }
  });

  it('prefers LEDGER_SIGNING_KEY over any key file', async () => {
    const key = await loadLedgerKey({
      env: { LEDGER_SIGNING_KEY: SECRET },
      dataDir: dir,
      nodeEnv: 'production',
    });
    expect(key.publicKey).toBe(PUBLIC);
  });

  it('creates a 0600 key file on first start in development and reuses it', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const first = await loadLedgerKey({ env: {}, dataDir, nodeEnv: 'development' });
    const file = join(dataDir, LEDGER_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    const again = await loadLedgerKey({ env: {}, dataDir, nodeEnv: 'development' });
    expect(again.publicKey).toBe(first.publicKey);
  });

  it('tightens a key file others could read', async () => {
    const file = join(dir, LEDGER_KEY_FILE);
    await writeFile(file, SECRET);
    await chmod(file, 0o644);
    const key = await loadLedgerKey({ env: {}, dataDir: dir, nodeEnv: 'production' });
    expect(key.publicKey).toBe(PUBLIC);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses to invent a key in production', async () => {
    await expect(loadLedgerKey({ env: {}, dataDir: dir, nodeEnv: 'production' })).rejects.toThrow(
      /LEDGER_SIGNING_KEY is not set/,
    );
  });
});
