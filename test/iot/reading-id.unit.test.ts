// Reading event ids are RFC 4122 v5 uuids of `${meterId}/${seq}`: every
// gateway (and every earlier version of this one) must give a reading the
// same id, or a resend after a lost ack would be stored twice. The hand-made
// v5 must therefore agree with the `uuid` package byte for byte.

import { v5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { READING_ID_NAMESPACE, readingEventId } from '../../src/iot/ingest/meter-states.ts';

describe('readingEventId', () => {
  it.each([
    ['bench-1', 1],
    ['MTR-000042', 2 ** 53 - 1],
    ['métér ✓ 電', 0],
    ['a'.repeat(64), 123_456_789],
  ])('is uuid v5 of "%s/%d" in the reading namespace', (meterId, seq) => {
    expect(readingEventId(meterId, seq)).toBe(v5(`${meterId}/${seq}`, READING_ID_NAMESPACE));
  });

  it('differs for another seq of the same meter', () => {
    expect(readingEventId('m-1', 1)).not.toBe(readingEventId('m-1', 2));
  });
});
