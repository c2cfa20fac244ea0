// The protocol's fixed numbers: version, frame type bytes, domain-separation
// tags and limits. docs/protocol.md is normative; these must match it.

export const PROTOCOL_VERSION = 1;
export const IOT_PATH = '/iot/v1';

/** The second byte of every frame. Plain frames (< 0x10) travel before keys exist. */
export const FrameType = {
  Hello: 0x01,
  Auth: 0x02,
  PlainError: 0x0f,
  AuthOk: 0x10,
  Reading: 0x11,
  Ack: 0x12,
  Read: 0x13,
  Error: 0x14,
  Ping: 0x15,
  Pong: 0x16,
  Readings: 0x17,
  Acks: 0x18,
} as const;
export type FrameTypeName = keyof typeof FrameType;
export type SealedFrameType = (typeof FrameType)[
  'AuthOk' | 'Reading' | 'Ack' | 'Read' | 'Error' | 'Ping' | 'Pong' | 'Readings' | 'Acks'];

export const SEALED_TYPES: ReadonlySet<number> = new Set([
  FrameType.AuthOk,
  FrameType.Reading,
  FrameType.Ack,
  FrameType.Read,
  FrameType.Error,
  FrameType.Ping,
  FrameType.Pong,
  FrameType.Readings,
  FrameType.Acks,
]);

export const Tags = {
  hello: 'meterledger/v1/hello',
  handshake: 'meterledger/v1/handshake',
  reading: 'meterledger/v1/reading',
  meterToGateway: 'meterledger/v1 meter->gateway',
  gatewayToMeter: 'meterledger/v1 gateway->meter',
} as const;

export const Limits = {
  /** Largest frame the protocol allows; larger ones get FRAME_TOO_LARGE and a close. */
  maxFrameBytes: 4096,
  /** Hard WebSocket cap: beyond it `ws` drops the socket (1009) without reading the frame. */
  wsMaxPayloadBytes: 64 * 1024,
  maxIdBytes: 64,
  maxMessageBytes: 256,
  handshakeTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  maxClockSkewMs: 5 * 60_000,
  /** Token bucket per session for readings from the meter (each reading of a batch counts). */
  ratePerSecond: 20,
  rateBurst: 40,
  /** Readings in one `readings` frame and seqs in one `acks` frame: 1..16. */
  maxReadingsPerFrame: 16,
} as const;

export const NONCE_BYTES = 32;
export const PUBKEY_BYTES = 33;
export const SIGNATURE_BYTES = 64;
export const TAG_BYTES = 16;
/** version (1) ‖ type (1) ‖ counter (8): the AAD of every sealed frame. */
export const SEALED_HEADER_BYTES = 10;
