// Opening the configured store: Postgres by URL, PGlite on disk by default,
// migrations applied once and kept across restarts.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase } from '../../src/db/postgres.ts';
import { openEventStore } from '../../src/eventstore/open.ts';
import { migrate } from '../../src/eventstore/postgres/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { newEvents, streamName } from './contract-fixtures.ts';

describe('openEventStore', () => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase('open');
    dir = await mkdtemp(join(tmpdir(), 'ml-open-'));
  });
  afterAll(async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens Postgres when a database URL is given, migrating once', async () => {
    const opened = await openEventStore({ databaseUrl: database.url, dataDir: dir });
    try {
      expect(opened.store.kind).toBe('postgres');
      expect(opened.db.kind).toBe('postgres');
      await opened.store.append(streamName(), newEvents(2));
      expect(await migrate(opened.db)).toEqual([]);
      const { rows } = await opened.db.query<{ name: string }>(
        'SELECT name FROM schema_migrations',
      );
      expect(rows.map((r) => r.name)).toEqual([
        'eventstore/001_events.sql',
        'eventstore/002_streams_fillfactor.sql',
      ]);
    } finally {
      await opened.close();
    }
  });

  it('lets several processes migrate one database at once', async () => {
    const other = await createTestDatabase('migr');
    const dbs = [1, 2, 3].map(() => postgresDatabase(other.url));
    try {
      const applied = await Promise.all(dbs.map((db) => migrate(db)));
      expect(applied.flat()).toEqual([
        'eventstore/001_events.sql',
        'eventstore/002_streams_fillfactor.sql',
      ]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await other.drop();
    }
  });

  it('selects KurrentDB when its URL is set, keeping the SQL database for read models', async () => {
    const other = await createTestDatabase('kdb');
    // Nothing listens on this port: opening must not connect yet.
    const opened = await openEventStore({
      kurrentdbUrl: 'kurrentdb://127.0.0.1:1?tls=false',
      databaseUrl: other.url,
    });
    try {
      expect(opened.store.kind).toBe('kurrentdb');
      expect(opened.db.kind).toBe('postgres');
      const { rows } = await opened.db.query<{ events: string | null }>(
        "SELECT to_regclass('events')::text AS events",
      );
      expect(rows[0]!.events).toBeNull();
    } finally {
      await opened.close();
      await other.drop();
    }
  });

  it('opens PGlite under the data directory and keeps events across a restart', async () => {
    const dataDir = join(dir, 'nested', 'pglite');
    const stream = streamName();
    const first = await openEventStore({ dataDir });
    expect(first.store.kind).toBe('pglite');
    await first.store.append(stream, newEvents(3));
    await first.close();

    const second = await openEventStore({ dataDir });
    try {
      expect(await second.store.streamRevision(stream)).toBe(2);
      const { rows } = await second.db.query('SELECT name FROM schema_migrations');
      expect(rows).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
