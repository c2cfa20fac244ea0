// The demo's files under DATA_DIR/demo: its state file (a random namespace
// from which every demo id and command id derives, so a restart or a retried
// seed writes nothing twice; and whether the seed completed), the gateway's
// private key and one key file per meter, all owner-only (0600).

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { v5 as uuidv5 } from 'uuid';
import { readMeterKeyFile } from '../../devices/keys.ts';
import { provisionMeter } from '../../devices/provision.ts';
import { publicKeyOf, randomPrivateKey } from '../iot/crypto/ecdsa.ts';
import type { MeterIdentity } from '../iot/session/meter-session.ts';
import type { MeterKind } from '../domain/meter/index.ts';
import { readGatewayKey } from '../cli/gateway.ts';

export interface DemoState {
  /** uuid namespace of this data directory's demo. */
  namespace: string;
  /** Set once the seed ran to the end (ISO instant). */
  seededAt: string | null;
}

export const demoDir = (dataDir: string): string => join(dataDir, 'demo');
const stateFile = (dataDir: string) => join(demoDir(dataDir), 'demo.json');

/** The demo state, or null when this data directory never ran the demo. */
export async function readDemoState(dataDir: string): Promise<DemoState | null> {
  const text = await readFile(stateFile(dataDir), 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  });
  return text === null ? null : (JSON.parse(text) as DemoState);
}

export async function writeDemoState(dataDir: string, state: DemoState): Promise<void> {
  await mkdir(demoDir(dataDir), { recursive: true, mode: 0o700 });
  await writeFile(stateFile(dataDir), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

export const newDemoState = (): DemoState => ({ namespace: randomUUID(), seededAt: null });

/** A stable uuid for `name` within this demo (account, property, meter and command ids). */
export const demoId = (state: DemoState, name: string): string => uuidv5(name, state.namespace);

/** The gateway's private key: made once (0600), then read back on every start. */
export async function demoGatewayKey(dataDir: string): Promise<Uint8Array> {
  const path = join(demoDir(dataDir), 'gateway.key');
  await mkdir(demoDir(dataDir), { recursive: true, mode: 0o700 });
  const made = bytesToHex(randomPrivateKey());
  // 'wx': an existing key is this gateway's identity, never replaced.
  await writeFile(path, made + '\n', { mode: 0o600, flag: 'wx' }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  return readGatewayKey(path);
}

export interface DemoMeterKey {
  identity: MeterIdentity;
  publicKey: string;
}

/** A meter's key file (made by the provisioning tool on first use), read back. */
export async function demoMeterKey(
  dataDir: string,
  input: { meterId: string; serial: string; kind: MeterKind; gatewayPublicKey: string },
): Promise<DemoMeterKey> {
  const outDir = join(demoDir(dataDir), 'meters');
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const keyFile = join(outDir, `${input.serial}.key.json`);
  const existing = await readMeterKeyFile(keyFile).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  });
  const identity =
    existing ?? (await readMeterKeyFile((await provisionMeter({ ...input, outDir })).keyFile));
  return { identity, publicKey: bytesToHex(publicKeyOf(identity.privateKey)) };
}
