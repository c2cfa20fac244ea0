// Bodies of the messages that travel inside sealed frames (after decryption).
// The frame type byte in the sealed header says which body follows.
// `readings` is `u8 count ‖ count × (lp(canonical) ‖ signature)`: each entry
// is exactly a `reading` body, so a pre-encoded reading goes into a batch as is.

import { ByteReader, ByteWriter, u64Bytes } from './bytes.ts';
import { FrameType, Limits, SIGNATURE_BYTES } from './constants.ts';
import { ProtocolError, isProtocolErrorCode, type ProtocolErrorCode } from './errors.ts';

export type Message =
  | { type: 'auth-ok'; serverTime: number }
  | { type: 'reading'; canonical: Uint8Array; signature: Uint8Array }
  | { type: 'ack'; seq: number }
  | { type: 'read'; requestId: string; runId: string }
  | { type: 'error'; code: ProtocolErrorCode; refSeq: number; message: string }
  | { type: 'ping'; nonce: number }
  | { type: 'pong'; nonce: number }
  | { type: 'readings'; readings: SignedEntry[] }
  | { type: 'acks'; seqs: number[] };

/** One reading of a `readings` frame: its canonical bytes and the meter's signature. */
export interface SignedEntry {
  canonical: Uint8Array;
  signature: Uint8Array;
}

const checkCount = (n: number, what: string): void => {
  if (n < 1 || n > Limits.maxReadingsPerFrame) {
    throw new ProtocolError(
      'MALFORMED_FRAME',
      `${what} count ${n} outside 1..${Limits.maxReadingsPerFrame}`,
    );
  }
};

const readingBody = (e: SignedEntry): Uint8Array =>
  new ByteWriter().lp(e.canonical).raw(e.signature).finish();

/** A `readings` body from `reading` bodies encoded earlier (1..16 of them). */
export const readingsBodyOf = (readingBodies: readonly Uint8Array[]): Uint8Array => {
  checkCount(readingBodies.length, 'readings');
  const w = new ByteWriter().u8(readingBodies.length);
  for (const b of readingBodies) w.raw(b);
  return w.finish();
};

/** An `acks` body: u8 count ‖ count × u64 seq, written into one buffer. */
const acksBody = (seqs: readonly number[]): Uint8Array => {
  checkCount(seqs.length, 'acks');
  const out = new Uint8Array(1 + 8 * seqs.length);
  out[0] = seqs.length;
  for (let i = 0; i < seqs.length; i++) out.set(u64Bytes(seqs[i]!), 1 + 8 * i);
  return out;
};

export const messageFrameType = (m: Message) => {
  switch (m.type) {
    case 'auth-ok':
      return FrameType.AuthOk;
    case 'reading':
      return FrameType.Reading;
    case 'ack':
      return FrameType.Ack;
    case 'read':
      return FrameType.Read;
    case 'error':
      return FrameType.Error;
    case 'ping':
      return FrameType.Ping;
    case 'pong':
      return FrameType.Pong;
    case 'readings':
      return FrameType.Readings;
    case 'acks':
      return FrameType.Acks;
    default: {
      const _exhaustive: never = m;
      return _exhaustive;
    }
  }
};

export const encodeMessageBody = (m: Message): Uint8Array => {
  // One per stored reading: eight bytes, without a writer and its list of parts.
  if (m.type === 'ack') return u64Bytes(m.seq);
  const w = new ByteWriter();
  switch (m.type) {
    case 'auth-ok':
      return w.u64(m.serverTime).finish();
    case 'reading':
      return readingBody(m);
    case 'readings':
      return readingsBodyOf(m.readings.map(readingBody));
    case 'acks':
      return acksBody(m.seqs);
    case 'read':
      return w.str(m.requestId).str(m.runId).finish();
    case 'error':
      return w.str(m.code).u64(m.refSeq).str(m.message.slice(0, Limits.maxMessageBytes)).finish();
    case 'ping':
    case 'pong':
      return w.u64(m.nonce).finish();
    default: {
      const _exhaustive: never = m;
      return _exhaustive;
    }
  }
};

export const decodeMessageBody = (type: number, body: Uint8Array): Message => {
  const rd = new ByteReader(body);
  const done = <M extends Message>(m: M): M => {
    rd.end(m.type);
    return m;
  };
  switch (type) {
    case FrameType.AuthOk:
      return done({ type: 'auth-ok', serverTime: rd.u64('serverTime') });
    case FrameType.Reading:
      // Views into the body, not copies: a decrypted body is the reading's alone.
      return done({
        type: 'reading',
        canonical: rd.lpView('reading', Limits.maxFrameBytes),
        signature: rd.fixedView(SIGNATURE_BYTES, 'signature'),
      });
    case FrameType.Ack:
      return done({ type: 'ack', seq: rd.u64('seq') });
    case FrameType.Read:
      return done({
        type: 'read',
        requestId: rd.str('requestId', Limits.maxIdBytes),
        runId: rd.str('runId', Limits.maxIdBytes),
      });
    case FrameType.Error: {
      const code = rd.str('code', 64);
      if (!isProtocolErrorCode(code)) throw new ProtocolError('MALFORMED_FRAME', 'unknown code');
      const refSeq = rd.u64('refSeq');
      const message = rd.str('message', Limits.maxMessageBytes);
      return done({ type: 'error', code, refSeq, message });
    }
    case FrameType.Ping:
      return done({ type: 'ping', nonce: rd.u64('nonce') });
    case FrameType.Pong:
      return done({ type: 'pong', nonce: rd.u64('nonce') });
    case FrameType.Readings: {
      const count = rd.u8('readings count');
      checkCount(count, 'readings');
      const readings: SignedEntry[] = [];
      for (let i = 0; i < count; i++) {
        readings.push({
          canonical: rd.lpView('reading', Limits.maxFrameBytes),
          signature: rd.fixedView(SIGNATURE_BYTES, 'signature'),
        });
      }
      return done({ type: 'readings', readings });
    }
    case FrameType.Acks: {
      const count = rd.u8('acks count');
      checkCount(count, 'acks');
      const seqs: number[] = [];
      for (let i = 0; i < count; i++) seqs.push(rd.u64('seq'));
      return done({ type: 'acks', seqs });
    }
    default:
      throw new ProtocolError('MALFORMED_FRAME', `no sealed message of type ${type}`);
  }
};
