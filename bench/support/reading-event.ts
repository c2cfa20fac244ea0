// A meter reading as the gateway stores it (signed fields plus metadata), for
// benches that fill a log without running a gateway.

import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/eventstore/port.ts';

export const readingEvent = (meter: number, seq: number): NewEvent => ({
  id: randomUUID(),
  type: 'ReadingRecorded',
  data: {
    meterId: `MTR-${meter}`,
    seq,
    registerWh: 1_000_000 + seq * 250,
    readAt: new Date(1_780_000_000_000 + seq * 60_000).toISOString(),
    signature: 'ab'.repeat(64),
  },
  metadata: { commandId: randomUUID(), actor: 'gateway:bench', at: '2026-06-01T00:00:00Z' },
});
