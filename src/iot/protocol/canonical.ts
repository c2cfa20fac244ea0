// The canonical bytes of a reading: what a meter signs and what an auditor
// re-creates years later from the stored event to check the signature.

import { sha256 } from '@noble/hashes/sha2.js';
import { ByteReader, ByteWriter, utf8Bytes } from './bytes.ts';
import { Limits, Tags } from './constants.ts';
import { ProtocolError } from './errors.ts';

export interface Reading {
  meterId: string;
  /** Strictly increasing per meter, from 1. */
  seq: number;
  /** Cumulative register in Wh. */
  registerWh: number;
  /** Milliseconds since the Unix epoch, UTC, as the meter's clock says. */
  readAt: number;
  /** Set when answering a gateway `read` request. */
  requestId?: string;
}

const TAG = utf8Bytes(Tags.reading);

const checkId = (what: string, s: string): void => {
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4),
  // so a short id passes without being encoded (once per reading on the gateway).
  if (s.length >= 1 && s.length * 3 <= Limits.maxIdBytes) return;
  const n = utf8Bytes(s).length;
  if (n < 1 || n > Limits.maxIdBytes) {
    throw new ProtocolError('MALFORMED_FRAME', `${what} must be 1-${Limits.maxIdBytes} bytes`);
  }
};

const checkUint = (what: string, n: number, min: number): void => {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ProtocolError('MALFORMED_FRAME', `${what} must be a safe integer >= ${min}`);
  }
};

export const validateReading = (r: Reading): void => {
  checkId('meterId', r.meterId);
  checkUint('seq', r.seq, 1);
  checkUint('registerWh', r.registerWh, 0);
  checkUint('readAt', r.readAt, 0);
  if (r.requestId !== undefined) checkId('requestId', r.requestId);
};

/**
 * lp(tag) ‖ lp(meterId) ‖ u64 seq ‖ u64 registerWh ‖ u64 readAt ‖ u8 hasRequestId
 * [‖ lp(requestId)], where lp is a u16 big-endian length then the UTF-8 bytes.
 */
export const encodeReading = (r: Reading): Uint8Array => {
  validateReading(r);
  const w = new ByteWriter().lp(TAG).str(r.meterId).u64(r.seq).u64(r.registerWh).u64(r.readAt);
  if (r.requestId === undefined) w.u8(0);
  else w.u8(1).str(r.requestId);
  return w.finish();
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Strict inverse of encodeReading: any other byte string is MALFORMED_FRAME. */
export const decodeReading = (bytes: Uint8Array): Reading => {
  const rd = new ByteReader(bytes);
  const tag = rd.lpView('reading tag', TAG.length);
  if (!sameBytes(tag, TAG)) throw new ProtocolError('MALFORMED_FRAME', 'reading tag mismatch');
  const meterId = rd.str('meterId', Limits.maxIdBytes);
  const seq = rd.u64('seq');
  const registerWh = rd.u64('registerWh');
  const readAt = rd.u64('readAt');
  const flag = rd.u8('requestId flag');
  if (flag > 1) throw new ProtocolError('MALFORMED_FRAME', 'requestId flag must be 0 or 1');
  const reading: Reading = { meterId, seq, registerWh, readAt };
  if (flag === 1) reading.requestId = rd.str('requestId', Limits.maxIdBytes);
  rd.end('reading');
  // Canonical without encoding again (that cost a tenth of the gateway's
  // per-reading parsing): the reader took fixed-width integers up to 2^53-1,
  // strict UTF-8 (which re-encodes to the same bytes), a 0/1 flag and no
  // trailing byte, so the bytes are exactly encodeReading's once the values
  // pass its checks, which are these. A field added to the layout must be
  // read here with the same strictness (the round-trip tests check it).
  validateReading(reading);
  return reading;
};

/** The 32-byte message hash that is signed: SHA-256 of the canonical bytes. */
export const readingHash = (r: Reading): Uint8Array => sha256(encodeReading(r));
