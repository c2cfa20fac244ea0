// Log positions for the KurrentDB adapter: the server's (commit, prepare) pair,
// encoded as `<commit>/<prepare>`, both zero-padded to 20 digits so the strings
// also sort correctly as text. The separator differs from the Postgres
// adapter's `:` so a checkpoint from one store is never mistaken for the other's.

import type { Position } from '@kurrent/kurrentdb-client';
import { EventStoreError } from '../errors.ts';

const WIDTH = 20; // 2^64 has 20 decimal digits
const FORMAT = /^(\d{1,20})\/(\d{1,20})$/;

export function encodePosition(position: Position): string {
  return `${position.commit.toString().padStart(WIDTH, '0')}/${position.prepare
    .toString()
    .padStart(WIDTH, '0')}`;
}

export function decodePosition(encoded: string): Position {
  const match = typeof encoded === 'string' ? FORMAT.exec(encoded) : null;
  if (!match) {
    throw new EventStoreError(
      'INVALID_POSITION',
      `not a KurrentDB log position: ${String(encoded)}`,
    );
  }
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

export function comparePositions(a: string, b: string): number {
  const left = decodePosition(a);
  const right = decodePosition(b);
  if (left.commit !== right.commit) return left.commit < right.commit ? -1 : 1;
  if (left.prepare === right.prepare) return 0;
  return left.prepare < right.prepare ? -1 : 1;
}
