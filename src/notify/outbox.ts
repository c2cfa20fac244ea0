// The dev outbox: where emails and SMS go when no SMTP server or SMS gateway
// is configured (the embedded default), so a developer can read the codes
// and links at /api/dev/outbox. It lives in the same key-value store as
// sessions, so every web process behind one Redis sees the same outbox.

import type { KeyValueStore } from '../auth/kv.ts';
import type { EmailMessage, Mailer, SmsMessage, SmsSender } from './port.ts';

export type OutboxEntry =
  ({ channel: 'email'; at: string } & EmailMessage) | ({ channel: 'sms'; at: string } & SmsMessage);

const OUTBOX_KEY = 'dev-outbox';
const MAX_ENTRIES = 200;
const OUTBOX_TTL_MS = 24 * 60 * 60_000;

export interface DevOutbox {
  mailer: Mailer;
  sms: SmsSender;
  /** Newest first. */
  list(limit?: number): Promise<OutboxEntry[]>;
}

export function devOutbox(kv: KeyValueStore, clock: () => Date = () => new Date()): DevOutbox {
  const push = (entry: OutboxEntry) =>
    kv.pushCapped(OUTBOX_KEY, JSON.stringify(entry), MAX_ENTRIES, OUTBOX_TTL_MS);
  return {
    mailer: {
      send: (message) => push({ channel: 'email', at: clock().toISOString(), ...message }),
    },
    sms: {
      send: (message) => push({ channel: 'sms', at: clock().toISOString(), ...message }),
    },
    async list(limit = 50) {
      const raw = await kv.list(OUTBOX_KEY, Math.min(limit, MAX_ENTRIES));
      return raw.map((item) => JSON.parse(item) as OutboxEntry);
    },
  };
}
