// What the gateway session needs from the outside: who the meters are, where
// verified readings go (storage plugs in here later), and a byte transport.

import type { Reading } from '../protocol/canonical.ts';
import type { ProtocolErrorCode } from '../protocol/errors.ts';

export interface MeterRecord {
  /** 33-byte compressed secp256k1 public key registered for the meter. */
  publicKey: Uint8Array;
  enabled: boolean;
}

export interface MeterDirectory {
  lookup(meterId: string): Promise<MeterRecord | undefined>;
}

/** Rejections only storage can decide: they need the meter's stream. */
export type SinkRejectionCode = Extract<
  ProtocolErrorCode,
  'REPLAYED_SEQ' | 'REGISTER_BACKWARDS' | 'METER_DISABLED' | 'UNKNOWN_METER' | 'UNAVAILABLE'
>;

export type SinkResult = { ok: true } | { ok: false; code: SinkRejectionCode };

/**
 * Receives readings whose signature already verified. The gateway acks only
 * after `accept` resolves `{ok: true}`, so resolve only once the reading is durable.
 */
export interface ReadingSink {
  accept(reading: Reading, signature: Uint8Array): Promise<SinkResult>;
}

/** One connection's byte pipe; `close` ends it after the frames already sent. */
export interface FrameTransport {
  send(frame: Uint8Array): void;
  close(code: ProtocolErrorCode): void;
}

/** Told the outcome of every reading of an open session (metrics plug in here). */
export interface ReadingObserver {
  readingIngested(): void;
  readingRejected(code: ProtocolErrorCode): void;
}
