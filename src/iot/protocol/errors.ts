// Protocol error codes, which of them end the session, and the error type the
// codec and session code throw so transports can turn it into an error frame.

export const ErrorCodes = [
  'BAD_SIGNATURE',
  'UNKNOWN_METER',
  'METER_DISABLED',
  'METER_MISMATCH',
  'REPLAYED_SEQ',
  'REGISTER_BACKWARDS',
  'CLOCK_SKEW',
  'FRAME_TOO_LARGE',
  'MALFORMED_FRAME',
  'UNSUPPORTED_VERSION',
  'UNEXPECTED_FRAME',
  'DECRYPT_FAILED',
  'REPLAYED_FRAME',
  'FRAME_OUT_OF_ORDER',
  'HANDSHAKE_TIMEOUT',
  'BAD_GATEWAY_SIGNATURE',
  'RATE_LIMITED',
  'UNAVAILABLE',
] as const;
export type ProtocolErrorCode = (typeof ErrorCodes)[number];

export const isProtocolErrorCode = (s: string): s is ProtocolErrorCode =>
  (ErrorCodes as readonly string[]).includes(s);

/**
 * Reading-level rejections leave the session open: the frame authenticated, so
 * the peer is the meter and only this reading is refused. Everything else means
 * the byte stream or the peer cannot be trusted any more.
 */
export const closesSession = (code: ProtocolErrorCode): boolean => {
  switch (code) {
    case 'BAD_SIGNATURE':
    case 'REPLAYED_SEQ':
    case 'REGISTER_BACKWARDS':
    case 'CLOCK_SKEW':
    case 'RATE_LIMITED':
    case 'UNAVAILABLE':
      return false;
    case 'UNKNOWN_METER':
    case 'METER_DISABLED':
    case 'METER_MISMATCH':
    case 'FRAME_TOO_LARGE':
    case 'MALFORMED_FRAME':
    case 'UNSUPPORTED_VERSION':
    case 'UNEXPECTED_FRAME':
    case 'DECRYPT_FAILED':
    case 'REPLAYED_FRAME':
    case 'FRAME_OUT_OF_ORDER':
    case 'HANDSHAKE_TIMEOUT':
    case 'BAD_GATEWAY_SIGNATURE':
      return true;
    default: {
      const _exhaustive: never = code;
      return _exhaustive;
    }
  }
};

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ProtocolError';
  }
}
