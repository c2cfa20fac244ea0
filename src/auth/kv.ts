// The small key-value port that sessions, one-time codes, attempt counters and
// the dev outbox need, with two adapters: Redis (ioredis) when REDIS_URL is
// set, and an in-process map for the embedded default. Only operations both
// can make atomic are offered: `take` is GETDEL, so a code can be spent once
// even when two requests race for it.

import { Redis } from 'ioredis';

export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Atomically reads and deletes: of two concurrent takes only one sees the value. */
  take(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /** Adds one; the first increment starts the window of `ttlMs`. Returns the new count. */
  incr(key: string, ttlMs: number): Promise<number>;
  /** Set members (the sessions of one account); the set expires `ttlMs` after the last add. */
  sadd(key: string, member: string, ttlMs: number): Promise<void>;
  srem(key: string, member: string): Promise<void>;
  smembers(key: string): Promise<string[]>;
  /** Prepends to a list kept to `max` entries, newest first. */
  pushCapped(key: string, value: string, max: number, ttlMs: number): Promise<void>;
  list(key: string, count: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Redis adapter. `prefix` namespaces every key, so tests and deployments can share a server. */
export function redisKeyValueStore(url: string, prefix = 'ml:'): KeyValueStore & { redis: Redis } {
  const redis = new Redis(url, { keyPrefix: prefix, lazyConnect: false, maxRetriesPerRequest: 2 });
  return {
    kind: 'redis',
    redis,
    get: (key) => redis.get(key),
    async set(key, value, ttlMs) {
      await redis.set(key, value, 'PX', ttlMs);
    },
    take: (key) => redis.getdel(key),
    async del(key) {
      await redis.del(key);
    },
    async incr(key, ttlMs) {
      const [[, count]] = (await redis.multi().incr(key).pexpire(key, ttlMs, 'NX').exec()) as [
        [Error | null, number],
      ];
      return count;
    },
    async sadd(key, member, ttlMs) {
      await redis.multi().sadd(key, member).pexpire(key, ttlMs).exec();
    },
    async srem(key, member) {
      await redis.srem(key, member);
    },
    smembers: (key) => redis.smembers(key),
    async pushCapped(key, value, max, ttlMs) {
      await redis
        .multi()
        .lpush(key, value)
        .ltrim(key, 0, max - 1)
        .pexpire(key, ttlMs)
        .exec();
    },
    list: (key, count) => redis.lrange(key, 0, count - 1),
    async close() {
      await redis.quit();
    },
  };
}

type Entry = { value: string | Set<string> | string[]; expiresAt: number };

/**
 * In-process adapter for a single process (the embedded default and unit
 * tests). JavaScript runs each method to its first await without interleaving,
 * and these methods never await, so each is atomic like its Redis command.
 */
/** A string entry of the memory store, for handing a few keys from one process to the next. */
export interface KeyValueEntry {
  key: string;
  value: string;
  expiresAt: number;
}

export interface MemoryKeyValueStore extends KeyValueStore {
  /** The live string entries (not sets or lists). */
  exportStrings(): KeyValueEntry[];
  importStrings(entries: KeyValueEntry[]): void;
}

export function memoryKeyValueStore(clock: () => number = Date.now): MemoryKeyValueStore {
  const map = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= clock()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  };
  const str = (key: string) => {
    const value = live(key)?.value;
    return typeof value === 'string' ? value : null;
  };
  // Expired entries are dropped when read; a periodic sweep bounds memory when they are not.
  const sweep = setInterval(() => {
    const now = clock();
    for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
  }, 60_000);
  sweep.unref();
  return {
    kind: 'memory',
    get: async (key) => str(key),
    async set(key, value, ttlMs) {
      map.set(key, { value, expiresAt: clock() + ttlMs });
    },
    async take(key) {
      const value = str(key);
      map.delete(key);
      return value;
    },
    async del(key) {
      map.delete(key);
    },
    async incr(key, ttlMs) {
      const entry = live(key);
      const count = (entry ? Number(entry.value) : 0) + 1;
      map.set(key, { value: String(count), expiresAt: entry?.expiresAt ?? clock() + ttlMs });
      return count;
    },
    async sadd(key, member, ttlMs) {
      const value = live(key)?.value;
      const set = value instanceof Set ? value : new Set<string>();
      set.add(member);
      map.set(key, { value: set, expiresAt: clock() + ttlMs });
    },
    async srem(key, member) {
      const value = live(key)?.value;
      if (value instanceof Set) value.delete(member);
    },
    async smembers(key) {
      const value = live(key)?.value;
      return value instanceof Set ? [...value] : [];
    },
    async pushCapped(key, value, max, ttlMs) {
      const current = live(key)?.value;
      const items = Array.isArray(current) ? current : [];
      map.set(key, { value: [value, ...items].slice(0, max), expiresAt: clock() + ttlMs });
    },
    async list(key, count) {
      const value = live(key)?.value;
      return Array.isArray(value) ? value.slice(0, count) : [];
    },
    exportStrings() {
      const now = clock();
      return [...map]
        .filter(([, e]) => typeof e.value === 'string' && e.expiresAt > now)
        .map(([key, e]) => ({ key, value: e.value as string, expiresAt: e.expiresAt }));
    },
    importStrings(entries) {
      for (const { key, value, expiresAt } of entries) map.set(key, { value, expiresAt });
    },
    async close() {
      clearInterval(sweep);
      map.clear();
    },
  };
}
