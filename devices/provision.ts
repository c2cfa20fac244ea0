// Provisioning a meter: makes its long-term secp256k1 key pair and id, writes
// the key file the meter firmware loads (owner-only, never overwritten), and
// returns what an admin registers in inventory: serial, kind, public key.
// Uses @noble only, as a factory line tool on a device would.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  normalisePublicKey,
  normaliseSerial,
  SERIAL,
  meterKinds,
} from '../src/domain/meter/index.ts';
import type { MeterKind } from '../src/domain/meter/index.ts';
import { publicKeyOf, randomPrivateKey } from '../src/iot/crypto/ecdsa.ts';
import { writeMeterKeyFile } from './keys.ts';

export interface ProvisionInput {
  serial: string;
  kind: string;
  /** The gateway public key the meter pins (33-byte compressed, hex). */
  gatewayPublicKey: string;
  /** Directory the key file goes to. */
  outDir: string;
  /** Defaults to a random UUID. */
  meterId?: string;
}

/** What the admin registers (`registerMeter`), plus where the private key went. */
export interface ProvisionedMeter {
  meterId: string;
  serial: string;
  kind: MeterKind;
  publicKey: string;
  keyFile: string;
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

const isKind = (kind: string): kind is MeterKind =>
  (meterKinds as readonly string[]).includes(kind);

export async function provisionMeter(input: ProvisionInput): Promise<ProvisionedMeter> {
  const serial = normaliseSerial(input.serial);
  if (!SERIAL.test(serial)) throw new ProvisionError('serial: 3-40 letters, digits or hyphens');
  if (!isKind(input.kind)) throw new ProvisionError(`kind must be one of ${meterKinds.join(', ')}`);
  const gatewayKey = normalisePublicKey(input.gatewayPublicKey);
  if (gatewayKey === null)
    throw new ProvisionError('gateway key must be a 33-byte compressed secp256k1 public key (hex)');
  const meterId = input.meterId ?? randomUUID();
  const privateKey = randomPrivateKey();
  const keyFile = join(input.outDir, `${serial}.key.json`);
  // `wx`: an existing key file is an existing meter; never replace its key.
  await writeMeterKeyFile(keyFile, {
    meterId,
    privateKey,
    gatewayPublicKey: hexToBytes(gatewayKey),
  });
  return {
    meterId,
    serial,
    kind: input.kind,
    publicKey: bytesToHex(publicKeyOf(privateKey)),
    keyFile,
  };
}
