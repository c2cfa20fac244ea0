// The verification port shared by the native and pure-JS implementations and
// the worker pool: a reading's signature is checked against its 32-byte hash.

export type VerifierKind = 'native' | 'noble';

/** True only for a valid, low-S, 64-byte compact signature of hash32 by publicKey. */
export type VerifyFn = (publicKey: Uint8Array, hash32: Uint8Array, sig64: Uint8Array) => boolean;

export interface VerifyItem {
  /** 33-byte compressed or 65-byte uncompressed (faster to verify under). */
  publicKey: Uint8Array;
  hash: Uint8Array;
  signature: Uint8Array;
}

/** What the gateway depends on: possibly asynchronous (the pool), batch-friendly. */
export interface ReadingVerifier {
  readonly kind: string;
  verify(item: VerifyItem): Promise<boolean>;
  close(): Promise<void>;
}
