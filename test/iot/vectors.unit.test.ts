// The doc's test vectors equal what the code generates, and each value is
// re-derived with node:crypto (an implementation independent of @noble).

import { createDecipheriv, createECDH, createHash, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/iot/protocol/bytes.ts';
import { Tags } from '../../src/iot/protocol/constants.ts';
import { nativeVerify } from '../../src/iot/verify/native.ts';
import { nobleVerify } from '../../src/iot/verify/noble.ts';
import { generateVectors, readDocVectors } from './vectors.ts';

const v = generateVectors();
const hex = (b: Uint8Array | Buffer) => Buffer.from(b).toString('hex');
const sha = (b: Uint8Array) => hex(createHash('sha256').update(b).digest());

const gcmOpen = (keyHex: string, frameHex: string) => {
  const frame = Buffer.from(frameHex, 'hex');
  const header = frame.subarray(0, 10);
  const nonce = Buffer.concat([Buffer.alloc(4), frame.subarray(2, 10)]);
  const d = createDecipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), nonce);
  d.setAAD(header);
  d.setAuthTag(frame.subarray(frame.length - 16));
  return Buffer.concat([d.update(frame.subarray(10, frame.length - 16)), d.final()]);
};

describe('protocol test vectors', () => {
  it('docs/protocol.md carries exactly the generated vectors', () => {
    expect(readDocVectors()).toEqual(JSON.parse(JSON.stringify(v)));
  });

  it('public keys and the ECDH x-coordinate match node:crypto', () => {
    const ecdh = (priv: string) => {
      const e = createECDH('secp256k1');
      e.setPrivateKey(Buffer.from(priv, 'hex'));
      return e;
    };
    expect(hex(ecdh(v.inputs.gatewayPrivateKey).getPublicKey(null, 'compressed'))).toBe(
      v.gatewayPublicKey,
    );
    expect(hex(ecdh(v.inputs.meterPrivateKey).getPublicKey(null, 'compressed'))).toBe(
      v.meterPublicKey,
    );
    const fromMeter = ecdh(v.inputs.meterEphemeralPrivateKey).computeSecret(
      Buffer.from(v.gatewayEphemeralPublicKey, 'hex'),
    );
    const fromGateway = ecdh(v.inputs.gatewayEphemeralPrivateKey).computeSecret(
      Buffer.from(v.meterEphemeralPublicKey, 'hex'),
    );
    expect(hex(fromMeter)).toBe(v.ecdhX);
    expect(hex(fromGateway)).toBe(v.ecdhX);
  });

  it('session keys match node:crypto HKDF with the documented labels', () => {
    const derive = (info: string) =>
      hex(Buffer.from(hkdfSync('sha256', fromHex(v.ecdhX), fromHex(v.transcriptHash), info, 32)));
    expect(derive(Tags.meterToGateway)).toBe(v.meterToGatewayKey);
    expect(derive(Tags.gatewayToMeter)).toBe(v.gatewayToMeterKey);
  });

  it('the sealed frames decrypt with node:crypto AES-256-GCM', () => {
    const authOk = gcmOpen(v.gatewayToMeterKey, v.authOkFrame);
    expect(authOk.readBigUInt64BE(0)).toBe(BigInt(v.inputs.serverTime));
    const reading = gcmOpen(v.meterToGatewayKey, v.readingFrame);
    const len = reading.readUInt16BE(0);
    expect(hex(reading.subarray(2, 2 + len))).toBe(v.readingCanonical);
    expect(hex(reading.subarray(2 + len))).toBe(v.readingSignature);
  });

  it('the readings frame carries both signed readings, the acks frame both seqs', () => {
    const readings = gcmOpen(v.meterToGatewayKey, v.readingsFrame);
    expect(readings[0]).toBe(2);
    const entries: [string, string][] = [];
    for (let at = 1, i = 0; i < 2; i++) {
      const len = readings.readUInt16BE(at);
      const canonical = readings.subarray(at + 2, at + 2 + len);
      entries.push([hex(canonical), hex(readings.subarray(at + 2 + len, at + 2 + len + 64))]);
      at += 2 + len + 64;
      if (i === 1) expect(at).toBe(readings.length);
    }
    expect(entries).toEqual([
      [v.readingCanonical, v.readingSignature],
      [v.nextReadingCanonical, v.nextReadingSignature],
    ]);
    const acks = gcmOpen(v.gatewayToMeterKey, v.acksFrame);
    expect(v.acksFrame.slice(4, 20)).toBe('0000000000000001');
    expect(acks.length).toBe(17);
    expect(acks[0]).toBe(2);
    expect([acks.readBigUInt64BE(1), acks.readBigUInt64BE(9)]).toEqual([
      BigInt(v.inputs.reading.seq),
      BigInt(v.inputs.nextReading.seq),
    ]);
  });

  it('the reading hash is SHA-256 of the canonical bytes', () => {
    expect(sha(fromHex(v.readingCanonical))).toBe(v.readingHash);
  });

  const verifiers = [
    ['native', nativeVerify],
    ['noble', nobleVerify],
  ] as const;
  for (const [name, verify] of verifiers) {
    it(`${name} accepts every vector signature and rejects the high-S twin`, () => {
      expect(verify).toBeDefined();
      const ok = (pub: string, hash: string, sig: string) =>
        verify?.(fromHex(pub), fromHex(hash), fromHex(sig));
      expect(ok(v.gatewayPublicKey, v.helloSigningHash, v.helloSignature)).toBe(true);
      expect(ok(v.meterPublicKey, v.transcriptHash, v.authSignature)).toBe(true);
      expect(ok(v.meterPublicKey, v.readingHash, v.readingSignature)).toBe(true);
      expect(ok(v.meterPublicKey, v.readingHash, v.readingSignatureHighS)).toBe(false);
      const nextHash = sha(fromHex(v.nextReadingCanonical));
      expect(ok(v.meterPublicKey, nextHash, v.nextReadingSignature)).toBe(true);
    });
  }
});
