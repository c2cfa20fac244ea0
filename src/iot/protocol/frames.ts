// Frame codec: the outer layout of every WebSocket binary message and the
// bodies of the messages carried inside sealed frames. Pure bytes in, typed
// values out; anything unexpected is a ProtocolError.

import { ByteReader, ByteWriter } from './bytes.ts';
import {
  FrameType,
  Limits,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  PUBKEY_BYTES,
  SEALED_HEADER_BYTES,
  SEALED_TYPES,
  SIGNATURE_BYTES,
  TAG_BYTES,
  type SealedFrameType,
} from './constants.ts';
import { ProtocolError, isProtocolErrorCode, type ProtocolErrorCode } from './errors.ts';

export interface Hello {
  gatewayId: string;
  nonce: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  /** Gateway long-term key's signature over helloSigningHash. */
  signature: Uint8Array;
}

export interface Auth {
  meterId: string;
  ephemeralPublicKey: Uint8Array;
  /** Meter long-term key's signature over the transcript hash. */
  signature: Uint8Array;
}

export interface PlainError {
  code: ProtocolErrorCode;
  message: string;
}

export interface SealedFrame {
  type: SealedFrameType;
  /** Exact up to 2^53-1 (where a session's counters stop), rounded above. */
  counter: number;
  /** The first SEALED_HEADER_BYTES bytes: the AEAD's associated data. */
  header: Uint8Array;
  /** Ciphertext followed by the 16-byte GCM tag. */
  payload: Uint8Array;
}

export type Frame =
  | { kind: 'hello'; hello: Hello }
  | { kind: 'auth'; auth: Auth }
  | { kind: 'plain-error'; error: PlainError }
  | { kind: 'sealed'; sealed: SealedFrame };

const start = (type: number): ByteWriter => new ByteWriter().u8(PROTOCOL_VERSION).u8(type);

export const encodeHello = (h: Hello): Uint8Array =>
  start(FrameType.Hello)
    .str(h.gatewayId)
    .raw(h.nonce)
    .raw(h.ephemeralPublicKey)
    .raw(h.signature)
    .finish();

export const encodeAuth = (a: Auth): Uint8Array =>
  start(FrameType.Auth).str(a.meterId).raw(a.ephemeralPublicKey).raw(a.signature).finish();

export const encodePlainError = (e: PlainError): Uint8Array =>
  start(FrameType.PlainError).str(e.code).str(e.message.slice(0, Limits.maxMessageBytes)).finish();

export const encodeSealedHeader = (type: SealedFrameType, counter: bigint): Uint8Array =>
  start(type).u64(counter).finish();

const readCode = (rd: ByteReader): ProtocolErrorCode => {
  const code = rd.str('error code', 64);
  if (!isProtocolErrorCode(code)) throw new ProtocolError('MALFORMED_FRAME', 'unknown error code');
  return code;
};

/** Parses the outer frame; sealed payloads stay encrypted. */
export const decodeFrame = (bytes: Uint8Array): Frame => {
  if (bytes.length > Limits.maxFrameBytes) {
    throw new ProtocolError('FRAME_TOO_LARGE', `${bytes.length} > ${Limits.maxFrameBytes} bytes`);
  }
  const rd = new ByteReader(bytes);
  const version = rd.u8('version');
  const type = rd.u8('type');
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError('UNSUPPORTED_VERSION', `version ${version}`);
  }
  switch (type) {
    case FrameType.Hello: {
      const gatewayId = rd.str('gatewayId', Limits.maxIdBytes);
      const nonce = rd.fixed(NONCE_BYTES, 'nonce');
      const ephemeralPublicKey = rd.fixed(PUBKEY_BYTES, 'ephemeral key');
      const signature = rd.fixed(SIGNATURE_BYTES, 'signature');
      rd.end('hello');
      return { kind: 'hello', hello: { gatewayId, nonce, ephemeralPublicKey, signature } };
    }
    case FrameType.Auth: {
      const meterId = rd.str('meterId', Limits.maxIdBytes);
      const ephemeralPublicKey = rd.fixed(PUBKEY_BYTES, 'ephemeral key');
      const signature = rd.fixed(SIGNATURE_BYTES, 'signature');
      rd.end('auth');
      return { kind: 'auth', auth: { meterId, ephemeralPublicKey, signature } };
    }
    case FrameType.PlainError: {
      const code = readCode(rd);
      const message = rd.str('message', Limits.maxMessageBytes);
      rd.end('error');
      return { kind: 'plain-error', error: { code, message } };
    }
    default: {
      if (!SEALED_TYPES.has(type)) throw new ProtocolError('MALFORMED_FRAME', `frame type ${type}`);
      const counter = rd.u64Rounded('counter');
      const payload = rd.rest();
      if (payload.length < TAG_BYTES)
        throw new ProtocolError('MALFORMED_FRAME', 'short sealed frame');
      const header = bytes.subarray(0, SEALED_HEADER_BYTES);
      return {
        kind: 'sealed',
        sealed: { type: type as SealedFrameType, counter, header, payload },
      };
    }
  }
};
