// The gateway's crypto backend: libsecp256k1 (the `secp256k1` binding) for
// signing `hello` (RFC 6979 and low-S, like @noble, so the bytes are
// identical), for ephemeral public keys and for ECDH; OpenSSL (node:crypto) for
// AES-256-GCM. libsecp256k1's ECDH is some 20× faster than OpenSSL's generic
// curve code for secp256k1 (0.07 against 1.5 ms here), which is what bounds
// how many handshakes a gateway takes per second. Without the native binding
// it falls back to OpenSSL for ECDH and @noble for signing.

import { createCipheriv, createDecipheriv, createECDH } from 'node:crypto';
import { createRequire } from 'node:module';
import { nobleBackend, type Aead, type CryptoBackend } from './backend.ts';

interface NativeSecp256k1 {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array };
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyVerify(publicKey: Uint8Array): boolean;
  publicKeyConvert(publicKey: Uint8Array, compressed: boolean): Uint8Array;
  ecdh(
    publicKey: Uint8Array,
    privateKey: Uint8Array,
    options: {
      hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array;
      xbuf: Uint8Array;
      ybuf: Uint8Array;
    },
    output: Uint8Array,
  ): Uint8Array;
}

const loadNative = (): NativeSecp256k1 | undefined => {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
  } catch {
    return undefined;
  }
};
const native = process.env.METERLEDGER_DISABLE_NATIVE === '1' ? undefined : loadNative();

const TAG = 16;

// GCM is a stream mode: `update` returns every byte and `final` none (it only
// checks or makes the tag), so the output is written once, without
// Buffer.concat, which allocated from Node's buffer pool on every frame.
export const nodeAead: Aead = {
  seal: (key, nonce, aad, plaintext) => {
    const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    c.setAAD(aad);
    const body = c.update(plaintext);
    if (body.length !== plaintext.length) throw new Error('AES-GCM update kept bytes back');
    const out = new Uint8Array(plaintext.length + TAG);
    out.set(body);
    c.final();
    out.set(c.getAuthTag(), plaintext.length);
    return out;
  },
  open: (key, nonce, aad, sealed) => {
    if (sealed.length < TAG) throw new Error('sealed data shorter than the tag');
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const plain = d.update(sealed.subarray(0, sealed.length - TAG));
    d.final();
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
  },
};

const ecdhWith = (privateKey: Uint8Array) => {
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(privateKey);
  return ecdh;
};

/** The x-coordinate of privateKey × publicKey (libsecp256k1 hashes it unless told otherwise). */
const nativeEcdhX = (secp: NativeSecp256k1, privateKey: Uint8Array, publicKey: Uint8Array) =>
  secp.ecdh(
    publicKey,
    privateKey,
    { hashfn: (x) => x, xbuf: new Uint8Array(32), ybuf: new Uint8Array(32) },
    new Uint8Array(32),
  );

export const nodeBackend: CryptoBackend = {
  name: native ? 'node+native' : 'node+noble-sign',
  aead: nodeAead,
  randomPrivateKey: nobleBackend.randomPrivateKey,
  publicKeyOf: native
    ? (privateKey) => native.publicKeyCreate(privateKey, true)
    : (privateKey) => new Uint8Array(ecdhWith(privateKey).getPublicKey(null, 'compressed')),
  signHash: native
    ? (hash32, privateKey) => native.ecdsaSign(hash32, privateKey).signature
    : nobleBackend.signHash,
  // OpenSSL's computeSecret is the x-coordinate of the shared point, zero-padded to 32 bytes.
  ecdhX: native
    ? (privateKey, publicKey) => nativeEcdhX(native, privateKey, publicKey)
    : (privateKey, publicKey) => new Uint8Array(ecdhWith(privateKey).computeSecret(publicKey)),
  // @noble's check decompresses the point in BigInt arithmetic: 0.2 ms, more than the ECDH.
  isValidPublicKey: native
    ? (publicKey) =>
        (publicKey.length === 33 || publicKey.length === 65) && native.publicKeyVerify(publicKey)
    : nobleBackend.isValidPublicKey,
  uncompressedPublicKey: native
    ? (publicKey) => native.publicKeyConvert(publicKey, false)
    : nobleBackend.uncompressedPublicKey,
};
