// Server-side sessions in the key-value store. The id is 128 random bits and
// only its SHA-256 is a key, so a dump of Redis yields no usable session. A
// session is either waiting for its second factor (`mfa`) or complete
// (`full`); moving between them issues a new id. Idle (30 min) and absolute
// (12 h) timeouts; each account keeps an index of its sessions so disabling
// it or resetting its password can end every one.

import { randomBytes } from 'node:crypto';
import type { Role } from '../domain/account/index.ts';
import type { KeyValueStore } from './kv.ts';
import { sha256 } from './one-time.ts';

export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
// Touching on every request would be a write per read; a minute's slack on the idle timeout is harmless.
const TOUCH_AFTER_MS = 60_000;

export type SessionStage = 'mfa' | 'full';

export interface SessionRecord {
  accountId: string;
  roles: Role[];
  stage: SessionStage;
  /** Binds one-time codes to this session (the MFA code). */
  attemptId: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface Session extends SessionRecord {
  id: string;
}

export interface SessionStore {
  create(input: { accountId: string; roles: Role[]; stage: SessionStage }): Promise<Session>;
  /** The live session, touched; null when unknown, idle too long or past its absolute limit. */
  get(id: string): Promise<Session | null>;
  destroy(id: string): Promise<void>;
  /** Ends every session of the account; returns how many there were. */
  destroyAll(accountId: string): Promise<number>;
}

const sessionKey = (id: string) => `sess:${sha256(id)}`;
const indexKey = (accountId: string) => `acct-sess:${accountId}`;

export function createSessionStore(
  kv: KeyValueStore,
  clock: () => number = Date.now,
): SessionStore {
  const ttl = (record: SessionRecord, now: number) =>
    Math.max(1, Math.min(IDLE_TIMEOUT_MS, record.createdAt + ABSOLUTE_TIMEOUT_MS - now));
  const write = (id: string, record: SessionRecord, now: number) =>
    kv.set(sessionKey(id), JSON.stringify(record), ttl(record, now));

  const store: SessionStore = {
    async create({ accountId, roles, stage }) {
      const id = randomBytes(16).toString('base64url');
      const now = clock();
      const record: SessionRecord = {
        accountId,
        roles,
        stage,
        attemptId: randomBytes(16).toString('base64url'),
        createdAt: now,
        lastSeenAt: now,
      };
      await write(id, record, now);
      await kv.sadd(indexKey(accountId), sha256(id), ABSOLUTE_TIMEOUT_MS);
      return { id, ...record };
    },
    async get(id) {
      const raw = await kv.get(sessionKey(id));
      if (raw === null) return null;
      const record = JSON.parse(raw) as SessionRecord;
      const now = clock();
      if (
        now - record.lastSeenAt >= IDLE_TIMEOUT_MS ||
        now - record.createdAt >= ABSOLUTE_TIMEOUT_MS
      ) {
        await store.destroy(id);
        return null;
      }
      if (now - record.lastSeenAt >= TOUCH_AFTER_MS) {
        record.lastSeenAt = now;
        await write(id, record, now);
      }
      return { id, ...record };
    },
    async destroy(id) {
      const raw = await kv.take(sessionKey(id));
      if (raw !== null)
        await kv.srem(indexKey((JSON.parse(raw) as SessionRecord).accountId), sha256(id));
    },
    async destroyAll(accountId) {
      const digests = await kv.smembers(indexKey(accountId));
      for (const digest of digests) await kv.del(`sess:${digest}`);
      await kv.del(indexKey(accountId));
      return digests.length;
    },
  };
  return store;
}
