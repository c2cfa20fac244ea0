// Bodies of the messages that travel inside sealed frames (after decryption).
// The frame type byte in the sealed header says which body follows.

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
  | { type: 'pong'; nonce: number };

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
      return w.lp(m.canonical).raw(m.signature).finish();
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
    default:
      throw new ProtocolError('MALFORMED_FRAME', `no sealed message of type ${type}`);
  }
};
