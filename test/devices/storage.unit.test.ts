// The meter's local state: key file round trip and permissions, persistent
// seq that survives a restart and never repeats, backoff bounds and jitter.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../devices/backoff.ts';
import { readMeterKeyFile, writeMeterKeyFile } from '../../devices/keys.ts';
import { SeqStore } from '../../devices/seq-store.ts';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import { testKey } from '../iot/fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meter-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const identity = {
  meterId: 'MTR-1',
  privateKey: testKey('meter'),
  gatewayPublicKey: publicKeyOf(testKey('gateway')),
};

describe('meter key file', () => {
  it('round-trips and is readable by the owner only', async () => {
    const path = join(dir, 'key.json');
    await writeMeterKeyFile(path, identity);
    expect(await readMeterKeyFile(path)).toEqual(identity);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('never overwrites an existing key', async () => {
    const path = join(dir, 'key.json');
    await writeMeterKeyFile(path, identity);
    await expect(writeMeterKeyFile(path, identity)).rejects.toThrow(/EEXIST/);
  });

  it('refuses a file with a missing field or an invalid gateway key', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ meterId: 'x', privateKey: '01'.repeat(32) }));
    await expect(readMeterKeyFile(path)).rejects.toThrow(/expected meterId/);
    await writeFile(
      path,
      JSON.stringify({
        meterId: 'x',
        privateKey: '01'.repeat(32),
        gatewayPublicKey: '02' + '00'.repeat(32),
      }),
    );
    await expect(readMeterKeyFile(path)).rejects.toThrow(/not a secp256k1 point/);
  });
});

describe('persistent seq', () => {
  it('continues after a restart and never hands out a seq twice', async () => {
    const path = join(dir, 'seq');
    const first = await SeqStore.open(path);
    expect(await Promise.all([first.next(), first.next(), first.next()])).toEqual([1, 2, 3]);
    const reopened = await SeqStore.open(path);
    expect(reopened.lastUsed).toBe(3);
    expect(await reopened.next()).toBe(4);
    expect((await readFile(path, 'utf8')).trim()).toBe('4');
  });

  it('refuses a corrupted seq file rather than restarting from 1', async () => {
    const path = join(dir, 'seq');
    await writeFile(path, 'banana');
    await expect(SeqStore.open(path)).rejects.toThrow(/bad seq/);
  });
});

describe('reconnect backoff', () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  it('grows exponentially up to the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, opts, () => 0.999999);
    expect([0, 1, 2, 3, 4, 10, 1000].map(top)).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });
  it('is fully jittered down to zero', () => {
    expect(backoffDelay(5, opts, () => 0)).toBe(0);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(200);
  });
});
