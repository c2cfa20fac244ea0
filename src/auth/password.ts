// Password hashing and policy. New hashes are scrypt with OWASP's parameters
// (N=2^17, r=8, p=1, 16-byte salt, 32-byte key) as a PHC string
// `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (unpadded base64). The Flask
// prototype's werkzeug hashes (`pbkdf2:sha256:50000$salt$hex`) still verify
// so migrated users can log in, and report that they need re-hashing.

import { pbkdf2, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';

export const SCRYPT_DEFAULTS = { ln: 17, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export type PasswordPolicyError =
  'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_LONG' | 'PASSWORD_TOO_COMMON';

// ~49,000 passwords from breach corpora, shipped by @zxcvbn-ts/language-common.
const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/** Null when acceptable. Length counts characters (code points), not bytes. */
export function checkPasswordPolicy(password: string): PasswordPolicyError | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return 'PASSWORD_TOO_SHORT';
  if (length > PASSWORD_MAX) return 'PASSWORD_TOO_LONG';
  if (COMMON.has(password.toLowerCase())) return 'PASSWORD_TOO_COMMON';
  return null;
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

// scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below N=2^17.
const scryptOptions = (ln: number, r: number, p: number): ScryptOptions => ({
  N: 2 ** ln,
  r,
  p,
  maxmem: 256 * 2 ** ln * r,
});

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `needsRehash` is true for legacy or weaker hashes, to be replaced after a successful login. */
  verify(password: string, stored: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  /** Spends the same time as a real verification, for accounts that do not exist. */
  dummyVerify(password: string): Promise<void>;
}

/** `ln` is log2(N); only tests lower it, to keep suites fast on two cores. */
export function createPasswordHasher(ln: number = SCRYPT_DEFAULTS.ln): PasswordHasher {
  const { r, p } = SCRYPT_DEFAULTS;
  const hash = async (password: string) => {
    const salt = randomBytes(SALT_BYTES);
    const key = await scryptAsync(password, salt, scryptOptions(ln, r, p));
    return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
  };
  let dummy: Promise<string> | undefined;
  return {
    hash,
    async verify(password, stored) {
      const scryptHash = parseScrypt(stored);
      if (scryptHash) {
        const { params, salt, key } = scryptHash;
        const actual = await scryptAsync(
          password,
          salt,
          scryptOptions(params.ln, params.r, params.p),
        );
        const ok = actual.length === key.length && timingSafeEqual(actual, key);
        return { ok, needsRehash: params.ln < ln || params.r !== r || params.p !== p };
      }
      const legacy = parseWerkzeug(stored);
      if (legacy) return { ok: await verifyWerkzeug(password, legacy), needsRehash: true };
      return { ok: false, needsRehash: false };
    },
    async dummyVerify(password) {
      dummy ??= hash('meterledger-dummy-password');
      await this.verify(password, await dummy);
    },
  };
}

type ScryptHash = { params: { ln: number; r: number; p: number }; salt: Buffer; key: Buffer };

function parseScrypt(stored: string): ScryptHash | null {
  const match =
    /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(
      stored,
    );
  if (!match) return null;
  const [, ln, r, p, salt, key] = match;
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  // Bounds stop a forged hash from asking for gigabytes of memory.
  if (
    params.ln < 10 ||
    params.ln > 20 ||
    params.r < 1 ||
    params.r > 16 ||
    params.p < 1 ||
    params.p > 4
  )
    return null;
  return { params, salt: Buffer.from(salt!, 'base64'), key: Buffer.from(key!, 'base64') };
}

type WerkzeugHash = { iterations: number; salt: string; hex: string };

function parseWerkzeug(stored: string): WerkzeugHash | null {
  const match = /^pbkdf2:sha256:(\d{1,7})\$([^$]{1,64})\$([0-9a-f]{64})$/.exec(stored);
  if (!match) return null;
  return { iterations: Number(match[1]), salt: match[2]!, hex: match[3]! };
}

/** werkzeug: hex(PBKDF2-HMAC-SHA256(password, salt as UTF-8, iterations, 32 bytes)). */
function verifyWerkzeug(password: string, legacy: WerkzeugHash): Promise<boolean> {
  return new Promise((resolve, reject) =>
    pbkdf2(password, legacy.salt, legacy.iterations, 32, 'sha256', (error, key) => {
      if (error) return reject(error);
      resolve(timingSafeEqual(key, Buffer.from(legacy.hex, 'hex')));
    }),
  );
}
