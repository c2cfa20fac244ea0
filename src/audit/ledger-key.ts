// The ledger's signing key (secp256k1, like meters and gateways): from
// LEDGER_SIGNING_KEY (64 hex chars), else from DATA_DIR/ledger-signing.key,
// which development and test create on first start with mode 0600. Production
// never invents a key: a lost or replaced key would orphan every checkpoint.
// The secret is kept out of JSON and inspection so a logger cannot print it.

import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { NodeEnv } from '../config.ts';
import { publicKeyOf, randomPrivateKey, signHash } from '../iot/crypto/ecdsa.ts';
import { verifyReadingSignature } from '../iot/verify/select.ts';
import { fromHex, toHex } from './merkle.ts';

export interface LedgerKey {
  /** Compressed public key, hex: published in every checkpoint. */
  readonly publicKey: string;
  /** Compact 64-byte low-S signature (RFC 6979 nonces) of a 32-byte hash. */
  sign(hash32: Uint8Array): Uint8Array;
}

export const LEDGER_KEY_FILE = 'ledger-signing.key';

export class LedgerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerKeyError';
  }
}

/** A ledger key from a 32-byte secret; the error never repeats the value. */
export function ledgerKeyFromSecret(secret: Uint8Array): LedgerKey {
  let publicKey: string;
  try {
    publicKey = toHex(publicKeyOf(secret));
  } catch {
    throw new LedgerKeyError('ledger signing key is not a valid secp256k1 secret key');
  }
  const privateKey = secret.slice();
  const shown = { publicKey };
  return {
    publicKey,
    sign: (hash32) => signHash(hash32, privateKey),
    toJSON: () => shown,
    [inspect.custom]: () => `LedgerKey ${JSON.stringify(shown)}`,
  } as LedgerKey;
}

export function ledgerKeyFromHex(hex: string): LedgerKey {
  const secret = fromHex(hex.trim());
  if (!secret || secret.length !== 32)
    throw new LedgerKeyError('LEDGER_SIGNING_KEY must be 64 hex characters (a 32-byte secret)');
  return ledgerKeyFromSecret(secret);
}

/** Whether `signature` (hex) is the ledger key `publicKey` (hex) signing `hash32`. */
export function verifyLedgerSignature(
  publicKey: string,
  hash32: Uint8Array,
  signature: string,
): boolean {
  const key = fromHex(publicKey);
  const sig = fromHex(signature);
  if (!key || key.length !== 33 || !sig || sig.length !== 64) return false;
  return verifyReadingSignature(key, hash32, sig);
}

export interface LedgerKeySource {
  /** Usually process.env; only LEDGER_SIGNING_KEY is read. */
  env: Record<string, string | undefined>;
  dataDir: string;
  nodeEnv: NodeEnv;
}

export async function loadLedgerKey(source: LedgerKeySource): Promise<LedgerKey> {
  const fromEnv = source.env.LEDGER_SIGNING_KEY?.trim();
  if (fromEnv) return ledgerKeyFromHex(fromEnv);
  const file = join(source.dataDir, LEDGER_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing !== null) return ledgerKeyFromHex(existing);
  if (source.nodeEnv === 'production')
    throw new LedgerKeyError(`LEDGER_SIGNING_KEY is not set and ${file} does not exist`);
  const secret = randomPrivateKey();
  await mkdir(source.dataDir, { recursive: true });
  try {
    // 'wx': if another process created the file meanwhile, use theirs.
    await writeFile(file, `${toHex(secret)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return ledgerKeyFromHex((await readKeyFile(file)) ?? '');
  }
  return ledgerKeyFromSecret(secret);
}

async function readKeyFile(file: string): Promise<string | null> {
  try {
    const info = await stat(file);
    // A key others can read is no longer the ledger's alone: tighten it.
    if ((info.mode & 0o077) !== 0) await chmod(file, 0o600);
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
