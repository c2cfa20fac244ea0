// Provisioning: the key file is owner-only, loads as the meter's identity
// pinned to the gateway key, is never overwritten, and bad input is refused
// before any file is written. Also `ledger gateway --init-key`.

import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { provisionMeter } from '../../devices/provision.ts';
import { readMeterKeyFile } from '../../devices/keys.ts';
import { gatewayCommand, readGatewayKey } from '../../src/cli/gateway.ts';
import { provisionMeterCommand } from '../../src/cli/provision-meter.ts';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import { testKey } from '../iot/fixtures.ts';

const gatewayPublicKey = bytesToHex(publicKeyOf(testKey('provision gateway')));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provision-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = 0;
});

/** Runs one sub-command and returns what it wrote to stdout and stderr. */
async function run(command: Command, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  await new Command('ledger').exitOverride().addCommand(command).parseAsync(args, { from: 'user' });
  vi.restoreAllMocks();
  return { out: out.join(''), err: err.join(''), code: process.exitCode };
}

describe('provisionMeter', () => {
  it('writes an owner-only key file that loads as the meter pinned to the gateway', async () => {
    const meter = await provisionMeter({
      serial: ' mtr-0001 ',
      kind: 'single-phase',
      gatewayPublicKey,
      outDir: dir,
    });
    expect(meter).toMatchObject({ serial: 'MTR-0001', kind: 'single-phase' });
    expect((await stat(meter.keyFile)).mode & 0o777).toBe(0o600);
    const identity = await readMeterKeyFile(meter.keyFile);
    expect(identity.meterId).toBe(meter.meterId);
    expect(bytesToHex(publicKeyOf(identity.privateKey))).toBe(meter.publicKey);
    expect(bytesToHex(identity.gatewayPublicKey)).toBe(gatewayPublicKey);
  });

  it('never overwrites an existing key file', async () => {
    const input = { serial: 'MTR-0002', kind: 'three-phase', gatewayPublicKey, outDir: dir };
    const first = await provisionMeter(input);
    await expect(provisionMeter(input)).rejects.toThrow(/EEXIST/);
    expect((await readMeterKeyFile(first.keyFile)).meterId).toBe(first.meterId);
  });

  it('refuses a bad serial, kind or gateway key without writing anything', async () => {
    const before = await readdir(dir);
    const base = { serial: 'MTR-0003', kind: 'single-phase', gatewayPublicKey, outDir: dir };
    await expect(provisionMeter({ ...base, serial: 'x' })).rejects.toThrow(/serial/);
    await expect(provisionMeter({ ...base, kind: 'steam' })).rejects.toThrow(/kind/);
    await expect(provisionMeter({ ...base, gatewayPublicKey: '02ab' })).rejects.toThrow(
      /gateway key/,
    );
    expect(await readdir(dir)).toEqual(before);
  });
});

describe('ledger provision-meter and gateway --init-key', () => {
  it('prints what an admin registers', async () => {
    const args = ['provision-meter', '--serial', 'MTR-0100', '--kind', 'single-phase'];
    const result = await run(provisionMeterCommand(), [
      ...args,
      ...['--gateway-key', gatewayPublicKey, '--out', dir],
    ]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.out) as Record<string, string>;
    expect(printed).toMatchObject({ serial: 'MTR-0100', kind: 'single-phase' });
    expect(printed.publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
  });

  it('exits 1 with a message for a bad gateway key', async () => {
    const result = await run(provisionMeterCommand(), [
      ...['provision-meter', '--serial', 'MTR-0101', '--kind', 'single-phase'],
      ...['--gateway-key', 'nope', '--out', dir],
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/gateway key/);
  });

  it('creates a gateway key file once and prints its public key', async () => {
    const keyFile = join(dir, 'gw.key');
    const initKey = ['gateway', '--id', 'gw-9', '--key-file', keyFile, '--init-key'];
    const result = await run(gatewayCommand(), initKey);
    expect(result.code).toBe(0);
    const { publicKey } = JSON.parse(result.out) as { publicKey: string };
    expect(bytesToHex(publicKeyOf(await readGatewayKey(keyFile)))).toBe(publicKey);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const again = await run(gatewayCommand(), initKey);
    expect(again.code).toBe(1);
    expect((await readFile(keyFile, 'utf8')).trim()).toHaveLength(64);
  });
});
