// The gateway's crypto backend: OpenSSL (node:crypto) for AES-256-GCM and
// ECDH, libsecp256k1 for signing `hello` (RFC 6979 and low-S, like @noble, so
// the bytes are identical). Falls back to @noble for signing when the native
// binding is not available on this machine.

import { createCipheriv, createDecipheriv, createECDH } from 'node:crypto';
import { createRequire } from 'node:module';
import { nobleBackend, type Aead, type CryptoBackend } from './backend.ts';

interface NativeSigner {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array };
}

const loadSigner = (): NativeSigner | undefined => {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as NativeSigner;
  } catch {
    return undefined;
  }
};
const signer = process.env.METERLEDGER_DISABLE_NATIVE === '1' ? undefined : loadSigner();

const TAG = 16;

export const nodeAead: Aead = {
  seal: (key, nonce, aad, plaintext) => {
    const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    c.setAAD(aad);
    const out = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
  open: (key, nonce, aad, sealed) => {
    if (sealed.length < TAG) throw new Error('sealed data shorter than the tag');
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const out = Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
};

const ecdhWith = (privateKey: Uint8Array) => {
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(privateKey);
  return ecdh;
};

export const nodeBackend: CryptoBackend = {
  name: signer ? 'node+native' : 'node+noble-sign',
  aead: nodeAead,
  randomPrivateKey: nobleBackend.randomPrivateKey,
  publicKeyOf: (privateKey) =>
    new Uint8Array(ecdhWith(privateKey).getPublicKey(null, 'compressed')),
  signHash: signer
    ? (hash32, privateKey) => signer.ecdsaSign(hash32, privateKey).signature
    : nobleBackend.signHash,
  // computeSecret is the x-coordinate of the shared point, zero-padded to 32 bytes.
  ecdhX: (privateKey, publicKey) => new Uint8Array(ecdhWith(privateKey).computeSecret(publicKey)),
};
