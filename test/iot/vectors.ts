// Generates the protocol test vectors from fixed inputs. docs/protocol.md
// carries the output in a fenced ```json vectors block; vectors.unit.test.ts
// regenerates and compares, so doc and code cannot drift.
// Run `npx tsx test/iot/vectors.ts --write` to refresh the block after a deliberate change.

import { readFileSync, writeFileSync } from 'node:fs';
import { Sealer } from '../../src/iot/crypto/aead-session.ts';
import { ecdhX, malleate, publicKeyOf, signHash } from '../../src/iot/crypto/ecdsa.ts';
import {
  deriveSessionKeys,
  helloSigningHash,
  transcriptHash,
} from '../../src/iot/crypto/handshake.ts';
import { fromHex, toHex } from '../../src/iot/protocol/bytes.ts';
import { encodeReading, readingHash, type Reading } from '../../src/iot/protocol/canonical.ts';
import { FrameType } from '../../src/iot/protocol/constants.ts';
import { encodeAuth, encodeHello } from '../../src/iot/protocol/frames.ts';
import { encodeMessageBody } from '../../src/iot/protocol/messages.ts';

export const vectorInputs = {
  gatewayId: 'gw-test-01',
  meterId: 'MTR-000001',
  // SHA-256 of "meterledger test vector <name>": arbitrary but reproducible.
  gatewayPrivateKey: '5bd59956c8227b958955320f04f8e2a58ab76c3217785434e53f749ca421c6dc',
  meterPrivateKey: '222b8f937586f53bfbe5a1e32b987b9996aea2f019cf39c4fab5253ce637fc71',
  gatewayEphemeralPrivateKey: '2cd014dc09db598a3df3904c8867cbcac08535335eb5284093d641d5d5fc67da',
  meterEphemeralPrivateKey: '67cf80b599343f37c6886ed13df7abbb70304e25735394eadb0eba739d282dff',
  nonce: '0f6ec5da18ac8d28e522283dfd5844bb8880fcb87e0b7b29d7a4709dda9808fe',
  serverTime: 1_785_000_000_000,
  reading: {
    meterId: 'MTR-000001',
    seq: 42,
    registerWh: 1_234_567,
    readAt: 1_785_000_001_000,
    requestId: 'req-7',
  } satisfies Reading,
  /** The second reading of the `readings` vector (the first is `reading`). */
  nextReading: {
    meterId: 'MTR-000001',
    seq: 43,
    registerWh: 1_234_600,
    readAt: 1_785_000_002_000,
  } satisfies Reading,
};

export type Vectors = ReturnType<typeof generateVectors>;

export const generateVectors = () => {
  const i = vectorInputs;
  const gwPriv = fromHex(i.gatewayPrivateKey);
  const mPriv = fromHex(i.meterPrivateKey);
  const gwEph = fromHex(i.gatewayEphemeralPrivateKey);
  const mEph = fromHex(i.meterEphemeralPrivateKey);
  const unsignedHello = {
    gatewayId: i.gatewayId,
    nonce: fromHex(i.nonce),
    ephemeralPublicKey: publicKeyOf(gwEph),
  };
  const helloHash = helloSigningHash(unsignedHello);
  const hello = { ...unsignedHello, signature: signHash(helloHash, gwPriv) };
  const meterEphPub = publicKeyOf(mEph);
  const transcript = transcriptHash(hello, i.meterId, meterEphPub);
  const authSignature = signHash(transcript, mPriv);
  const keys = deriveSessionKeys(mEph, hello.ephemeralPublicKey, transcript);
  const canonical = encodeReading(i.reading);
  const hash = readingHash(i.reading);
  const readingSignature = signHash(hash, mPriv);
  const authOk = new Sealer(keys.gatewayToMeter).seal(
    FrameType.AuthOk,
    encodeMessageBody({ type: 'auth-ok', serverTime: i.serverTime }),
  );
  const readingFrame = new Sealer(keys.meterToGateway).seal(
    FrameType.Reading,
    encodeMessageBody({ type: 'reading', canonical, signature: readingSignature }),
  );
  const nextCanonical = encodeReading(i.nextReading);
  const nextSignature = signHash(readingHash(i.nextReading), mPriv);
  const readingsFrame = new Sealer(keys.meterToGateway).seal(
    FrameType.Readings,
    encodeMessageBody({
      type: 'readings',
      readings: [
        { canonical, signature: readingSignature },
        { canonical: nextCanonical, signature: nextSignature },
      ],
    }),
  );
  // The gateway's second frame (counter 1, after auth-ok) acking both readings.
  const gatewaySealer = new Sealer(keys.gatewayToMeter);
  gatewaySealer.seal(FrameType.AuthOk, encodeMessageBody({ type: 'auth-ok', serverTime: 0 }));
  const acksFrame = gatewaySealer.seal(
    FrameType.Acks,
    encodeMessageBody({ type: 'acks', seqs: [i.reading.seq, i.nextReading.seq] }),
  );
  return {
    inputs: i,
    gatewayPublicKey: toHex(publicKeyOf(gwPriv)),
    meterPublicKey: toHex(publicKeyOf(mPriv)),
    gatewayEphemeralPublicKey: toHex(hello.ephemeralPublicKey),
    meterEphemeralPublicKey: toHex(meterEphPub),
    helloSigningHash: toHex(helloHash),
    helloSignature: toHex(hello.signature),
    helloFrame: toHex(encodeHello(hello)),
    transcriptHash: toHex(transcript),
    authSignature: toHex(authSignature),
    authFrame: toHex(
      encodeAuth({ meterId: i.meterId, ephemeralPublicKey: meterEphPub, signature: authSignature }),
    ),
    ecdhX: toHex(ecdhX(mEph, hello.ephemeralPublicKey)),
    meterToGatewayKey: toHex(keys.meterToGateway),
    gatewayToMeterKey: toHex(keys.gatewayToMeter),
    authOkFrame: toHex(authOk),
    readingCanonical: toHex(canonical),
    readingHash: toHex(hash),
    readingSignature: toHex(readingSignature),
    readingSignatureHighS: toHex(malleate(readingSignature)),
    readingFrame: toHex(readingFrame),
    nextReadingCanonical: toHex(nextCanonical),
    nextReadingSignature: toHex(nextSignature),
    readingsFrame: toHex(readingsFrame),
    acksFrame: toHex(acksFrame),
  };
};

export const PROTOCOL_DOC = new URL('../../docs/protocol.md', import.meta.url);
const BLOCK = /```json vectors\n([\s\S]*?)\n```/;

export const readDocVectors = (): unknown => {
  const match = BLOCK.exec(readFileSync(PROTOCOL_DOC, 'utf8'));
  if (!match?.[1]) throw new Error('docs/protocol.md has no ```json vectors block');
  return JSON.parse(match[1]);
};

if (process.argv.includes('--write')) {
  const doc = readFileSync(PROTOCOL_DOC, 'utf8');
  const block = '```json vectors\n' + JSON.stringify(generateVectors(), null, 2) + '\n```';
  if (!BLOCK.test(doc)) throw new Error('add an empty ```json vectors block to the doc first');
  writeFileSync(PROTOCOL_DOC, doc.replace(BLOCK, block));
}
