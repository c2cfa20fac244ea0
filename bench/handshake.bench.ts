// Key agreement per handshake, gateway side: a fresh ephemeral key pair, the
// ECDH x-coordinate with the meter's ephemeral key, and the `hello`
// signature. libsecp256k1 (what the gateway and the fleet use) against
// OpenSSL's generic-curve ECDH (node:crypto, the fallback) and @noble (what a
// meter runs). The last stdout line is JSON for docs/benchmarks.md.

import { createECDH } from 'node:crypto';
import { loadavg } from 'node:os';
import { nobleBackend, type CryptoBackend } from '../src/iot/crypto/backend.ts';
import { nodeBackend } from '../src/iot/crypto/node-backend.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

const openSslBackend: CryptoBackend = {
  ...nodeBackend,
  name: 'openssl',
  publicKeyOf: (privateKey) => {
    const ecdh = createECDH('secp256k1');
    ecdh.setPrivateKey(privateKey);
    return new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
  },
  ecdhX: (privateKey, publicKey) => {
    const ecdh = createECDH('secp256k1');
    ecdh.setPrivateKey(privateKey);
    return new Uint8Array(ecdh.computeSecret(publicKey));
  },
};

const gatewayKey = nobleBackend.randomPrivateKey();
const meterPublicKey = nobleBackend.publicKeyOf(nobleBackend.randomPrivateKey());
const helloHash = new Uint8Array(32).fill(7);

function handshakesPerSec(backend: CryptoBackend): number {
  const reference = nobleBackend.ecdhX(gatewayKey, meterPublicKey);
  const check = backend.ecdhX(gatewayKey, meterPublicKey);
  if (Buffer.compare(reference, check) !== 0) throw new Error(`${backend.name}: wrong ECDH`);
  let done = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    const ephemeral = backend.randomPrivateKey();
    backend.publicKeyOf(ephemeral);
    backend.ecdhX(ephemeral, meterPublicKey);
    backend.signHash(helloHash, gatewayKey);
    done++;
  }
  return Math.round(done / ((performance.now() - start) / 1000));
}

const result = {
  handshakesPerSec: {
    native: handshakesPerSec(nodeBackend),
    openssl: handshakesPerSec(openSslBackend),
    noble: handshakesPerSec(nobleBackend),
  },
  nativeBackend: nodeBackend.name,
  seconds: SECONDS,
  loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
};
console.log(JSON.stringify(result));
