// Checks of `readStreams` requests, shared by every adapter: options must be
// non-negative integers (a typo'd limit must not silently read a whole
// stream). Stream names are not checked: an invalid name holds no events and
// reads as [], as `readStream` does.

import { EventStoreError } from './errors.ts';
import type { StreamRead } from './port.ts';

const isCount = (value: unknown): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export function validateStreamReads(reads: readonly StreamRead[]): void {
  if (!Array.isArray(reads))
    throw new EventStoreError('INVALID_READ', 'readStreams takes an array of stream reads');
  reads.forEach((read, i) => {
    if (typeof read?.stream !== 'string')
      throw new EventStoreError('INVALID_READ', `read ${i}: stream must be a string`);
    for (const key of ['fromRevision', 'limit'] as const) {
      const value = read[key];
      if (value !== undefined && !isCount(value))
        throw new EventStoreError(
          'INVALID_READ',
          `read ${i} (${read.stream}): ${key} must be a non-negative integer, got ${String(value)}`,
        );
    }
  });
}
