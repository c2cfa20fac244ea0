// Log positions for the Postgres adapters: the pair (transaction id, position)
// that readers order by, encoded as `<txid>:<position>` with both parts
// zero-padded to 20 digits, so the strings also sort correctly as text.

import { EventStoreError } from '../errors.ts';

export interface LogPosition {
  transactionId: bigint;
  position: bigint;
}

const WIDTH = 20; // 2^64 has 20 decimal digits
const FORMAT = /^(\d{1,20}):(\d{1,20})$/;

export function encodePosition(
  transactionId: string | number | bigint,
  position: string | number | bigint,
): string {
  return `${String(transactionId).padStart(WIDTH, '0')}:${String(position).padStart(WIDTH, '0')}`;
}

export function decodePosition(encoded: string): LogPosition {
  const match = typeof encoded === 'string' ? FORMAT.exec(encoded) : null;
  if (!match) {
    throw new EventStoreError(
      'INVALID_POSITION',
      `not a Postgres log position: ${String(encoded)}`,
    );
  }
  return { transactionId: BigInt(match[1]!), position: BigInt(match[2]!) };
}

export function comparePositions(a: string, b: string): number {
  const left = decodePosition(a);
  const right = decodePosition(b);
  if (left.transactionId !== right.transactionId) {
    return left.transactionId < right.transactionId ? -1 : 1;
  }
  if (left.position === right.position) return 0;
  return left.position < right.position ? -1 : 1;
}
