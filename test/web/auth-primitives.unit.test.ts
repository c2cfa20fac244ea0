// The non-HTTP pieces of authentication on the in-process store: password
// hashing at the OWASP parameters and the policy, code expiry and caps with a
// controllable clock, and session idle/absolute timeouts.

import { describe, expect, it } from 'vitest';
import { memoryKeyValueStore } from '../../src/auth/kv.ts';
import {
  CODE_TTL_MS,
  MAX_TRIES_PER_CODE,
  consumeCode,
  consumeLink,
  issueCode,
  issueLink,
} from '../../src/auth/one-time.ts';
import { checkPasswordPolicy, createPasswordHasher } from '../../src/auth/password.ts';
import {
  ABSOLUTE_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  createSessionStore,
} from '../../src/auth/sessions.ts';

function fakeClock() {
  let now = 1_750_000_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('passwords', () => {
  it('hashes with scrypt N=2^17, r=8, p=1 and a 16-byte salt as a PHC string', async () => {
    const hasher = createPasswordHasher();
    const hash = await hasher.hash('Monsoon-Meter-42');
    const match = /^\$scrypt\$ln=17,r=8,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(match![2]!, 'base64')).toHaveLength(32);
    expect(await hasher.verify('Monsoon-Meter-42', hash)).toEqual({ ok: true, needsRehash: false });
    expect((await hasher.verify('monsoon-meter-42', hash)).ok).toBe(false);
    expect(await hasher.hash('Monsoon-Meter-42')).not.toBe(hash);
  });

  it('flags weaker scrypt and legacy werkzeug hashes for re-hashing', async () => {
    const weak = await createPasswordHasher(12).hash('Monsoon-Meter-42');
    const strong = createPasswordHasher(14);
    expect(await strong.verify('Monsoon-Meter-42', weak)).toEqual({ ok: true, needsRehash: true });
    const legacy =
      'pbkdf2:sha256:50000$Xq3sWb1d$3569ef46aba76b0b29235bb4e00337d0d089fd60a096487ba9cdbd5142da7bb7';
    expect(await strong.verify('Monsoon-Meter-42', legacy)).toEqual({
      ok: true,
      needsRehash: true,
    });
    expect((await strong.verify('Monsoon-Meter-43', legacy)).ok).toBe(false);
  });

  it('refuses unknown formats and scrypt costs that would exhaust memory', async () => {
    const hasher = createPasswordHasher(12);
    expect(await hasher.verify('x', 'plain-text-password')).toEqual({
      ok: false,
      needsRehash: false,
    });
    const huge =
      '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect((await hasher.verify('x', huge)).ok).toBe(false);
  });

  it('policy: 8 to 128 characters, not on the common list (case-insensitive)', () => {
    expect(checkPasswordPolicy('Ab1-xyz')).toBe('PASSWORD_TOO_SHORT');
    expect(checkPasswordPolicy('a'.repeat(129))).toBe('PASSWORD_TOO_LONG');
    expect(checkPasswordPolicy('PASSWORD1')).toBe('PASSWORD_TOO_COMMON');
    expect(checkPasswordPolicy('qwertyuiop')).toBe('PASSWORD_TOO_COMMON');
    expect(checkPasswordPolicy('Tide-Lamp-Orchard-7')).toBeNull();
    // Characters, not bytes: eight Devanagari letters are long enough.
    expect(checkPasswordPolicy('बिजलीमीटरबिल')).toBeNull();
  });
});

describe('one-time codes and links', () => {
  it('a code expires after ten minutes', async () => {
    const clock = fakeClock();
    const kv = memoryKeyValueStore(clock.now);
    const code = await issueCode(kv, { purpose: 'login-mfa', attemptId: 'a1', accountId: 'acc' });
    clock.advance(CODE_TTL_MS + 1);
    expect(await consumeCode(kv, { purpose: 'login-mfa', attemptId: 'a1', code })).toEqual({
      ok: false,
      reason: 'INVALID_CODE',
    });
    await kv.close();
  });

  it('a code is destroyed after too many wrong guesses, even if the next is right', async () => {
    const kv = memoryKeyValueStore();
    const code = await issueCode(kv, { purpose: 'login-mfa', attemptId: 'a2', accountId: 'acc2' });
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < MAX_TRIES_PER_CODE; i++)
      expect(
        await consumeCode(kv, { purpose: 'login-mfa', attemptId: 'a2', code: wrong }),
      ).toMatchObject({ ok: false });
    expect(await consumeCode(kv, { purpose: 'login-mfa', attemptId: 'a2', code })).toEqual({
      ok: false,
      reason: 'CODE_LOCKED',
    });
    await kv.close();
  });

  it('a code is bound to its attempt', async () => {
    const kv = memoryKeyValueStore();
    const code = await issueCode(kv, {
      purpose: 'verify-mobile',
      attemptId: 'mine',
      accountId: 'acc3',
    });
    expect((await consumeCode(kv, { purpose: 'verify-mobile', attemptId: 'other', code })).ok).toBe(
      false,
    );
    expect((await consumeCode(kv, { purpose: 'login-mfa', attemptId: 'mine', code })).ok).toBe(
      false,
    );
    expect(await consumeCode(kv, { purpose: 'verify-mobile', attemptId: 'mine', code })).toEqual({
      ok: true,
      accountId: 'acc3',
    });
    await kv.close();
  });

  it('links expire, are single use, and are stored only as digests', async () => {
    const clock = fakeClock();
    const kv = memoryKeyValueStore(clock.now);
    const token = await issueLink(kv, {
      purpose: 'login-link',
      accountId: 'acc4',
      attemptId: null,
    });
    expect(await kv.get(`link:login-link:${token}`)).toBeNull();
    const both = await Promise.all([
      consumeLink(kv, { purpose: 'login-link', token, attemptId: null }),
      consumeLink(kv, { purpose: 'login-link', token, attemptId: null }),
    ]);
    expect(both.filter((r) => r === 'acc4')).toHaveLength(1);
    const late = await issueLink(kv, { purpose: 'login-link', accountId: 'acc4', attemptId: null });
    clock.advance(CODE_TTL_MS + 1);
    expect(
      await consumeLink(kv, { purpose: 'login-link', token: late, attemptId: null }),
    ).toBeNull();
    await kv.close();
  });
});

describe('sessions', () => {
  it('end after 30 idle minutes', async () => {
    const clock = fakeClock();
    const kv = memoryKeyValueStore(clock.now);
    const sessions = createSessionStore(kv, clock.now);
    const s = await sessions.create({ accountId: 'acc', roles: ['customer'], stage: 'full' });
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    clock.advance(IDLE_TIMEOUT_MS - 60_000);
    expect(await sessions.get(s.id)).not.toBeNull();
    clock.advance(IDLE_TIMEOUT_MS + 1);
    expect(await sessions.get(s.id)).toBeNull();
    await kv.close();
  });

  it('end after 12 hours however active', async () => {
    const clock = fakeClock();
    const kv = memoryKeyValueStore(clock.now);
    const sessions = createSessionStore(kv, clock.now);
    const s = await sessions.create({ accountId: 'acc', roles: ['customer'], stage: 'full' });
    for (let t = 0; t < ABSOLUTE_TIMEOUT_MS - 20 * 60_000; t += 20 * 60_000) {
      clock.advance(20 * 60_000);
      expect(await sessions.get(s.id)).not.toBeNull();
    }
    clock.advance(20 * 60_000);
    expect(await sessions.get(s.id)).toBeNull();
    await kv.close();
  });

  it('destroyAll ends every session of one account only', async () => {
    const kv = memoryKeyValueStore();
    const sessions = createSessionStore(kv);
    const a1 = await sessions.create({ accountId: 'a', roles: ['customer'], stage: 'full' });
    const a2 = await sessions.create({ accountId: 'a', roles: ['customer'], stage: 'mfa' });
    const b = await sessions.create({ accountId: 'b', roles: ['customer'], stage: 'full' });
    expect(await sessions.destroyAll('a')).toBe(2);
    expect(await sessions.get(a1.id)).toBeNull();
    expect(await sessions.get(a2.id)).toBeNull();
    expect(await sessions.get(b.id)).not.toBeNull();
    await kv.close();
  });
});
