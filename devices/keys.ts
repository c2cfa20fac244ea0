// The meter's key file: its id, long-term private key and the pinned gateway
// public key, as the provisioning tool writes them. Only @noble is used, as
// firmware would.

import { readFile, writeFile } from 'node:fs/promises';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { isValidPublicKey, publicKeyOf } from '../src/iot/crypto/ecdsa.ts';
import type { MeterIdentity } from '../src/iot/session/meter-session.ts';

interface KeyFileJson {
  meterId: string;
  privateKey: string;
  gatewayPublicKey: string;
}

const isKeyFile = (x: unknown): x is KeyFileJson => {
  const o = x as Record<string, unknown>;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.meterId === 'string' &&
    typeof o.privateKey === 'string' &&
    typeof o.gatewayPublicKey === 'string'
  );
};

export const readMeterKeyFile = async (path: string): Promise<MeterIdentity> => {
  const json: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!isKeyFile(json)) throw new Error(`${path}: expected meterId, privateKey, gatewayPublicKey`);
  const identity = {
    meterId: json.meterId,
    privateKey: hexToBytes(json.privateKey),
    gatewayPublicKey: hexToBytes(json.gatewayPublicKey),
  };
  publicKeyOf(identity.privateKey); // throws on a key outside the curve order
  if (!isValidPublicKey(identity.gatewayPublicKey)) {
    throw new Error(`${path}: gatewayPublicKey is not a secp256k1 point`);
  }
  return identity;
};

/** Written owner-read/write only: the private key must not be readable by others. */
export const writeMeterKeyFile = async (path: string, id: MeterIdentity): Promise<void> => {
  const json: KeyFileJson = {
    meterId: id.meterId,
    privateKey: bytesToHex(id.privateKey),
    gatewayPublicKey: bytesToHex(id.gatewayPublicKey),
  };
  await writeFile(path, JSON.stringify(json, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
};
