// Postgres adapter behaviour beyond the contract: the remembered stream heads
// of the fast path going stale when another process writes, and event ids
// being unique across the whole log.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { verifyStream } from '../../src/eventstore/integrity.ts';
import { openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import { newEvents, streamName } from './contract-fixtures.ts';

describe('Postgres adapter', () => {
  let first: PostgresTestStore;
  let otherDb: SqlDatabase;
  let other: EventStore; // a second process on the same database
  beforeAll(async () => {
    first = await createPostgresTestStore();
    otherDb = postgresDatabase(first.database.url);
    other = openPostgresEventStore(otherDb);
  });
  afterAll(async () => {
    await other.close();
    await otherDb.close();
    await first.close();
  });

  it('appends correctly when another process moved the stream since this one last saw it', async () => {
    const stream = streamName();
    await first.store.append(stream, newEvents(2)); // first remembers revision 1
    await other.append(stream, newEvents(3), { expectedRevision: 1 });

    // first's remembered head is stale: 'any' must still chain onto the real head,
    const any = await first.store.append(stream, newEvents(1));
    // an exact expectation of the real head must succeed,
    const exact = await first.store.append(stream, newEvents(1), { expectedRevision: 5 });
    // and one of the stale head must fail.
    await expect(other.append(stream, newEvents(1), { expectedRevision: 4 })).rejects.toMatchObject(
      { code: 'WRONG_EXPECTED_REVISION', actual: 6 },
    );

    expect([any.nextRevision, exact.nextRevision]).toEqual([5, 6]);
    const events = await first.store.readStream(stream);
    expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(verifyStream(events)).toBeNull();
  });

  it('group-commits streams with stale and fresh heads together', async () => {
    const [stale, fresh, brandNew] = [streamName(), streamName(), streamName()];
    await first.store.append(stale, newEvents(1));
    await first.store.append(fresh, newEvents(1));
    await other.append(stale, newEvents(1));
    const outcomes = await first.store.appendMany([
      { stream: stale, events: newEvents(2) },
      { stream: fresh, events: newEvents(2), expectedRevision: 0 },
      { stream: brandNew, events: newEvents(2), expectedRevision: 'no_stream' },
    ]);
    expect(outcomes.map((o) => (o.ok ? o.result.nextRevision : o.error))).toEqual([3, 2, 1]);
    for (const stream of [stale, fresh, brandNew]) {
      expect(verifyStream(await first.store.readStream(stream))).toBeNull();
    }
  });

  it('refuses event ids already stored in another stream', async () => {
    const events = newEvents(2);
    await first.store.append(streamName(), events);
    const elsewhere = streamName();
    await expect(first.store.append(elsewhere, events)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
    const [outcome] = await first.store.appendMany([{ stream: elsewhere, events }]);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_CONFLICT' } });
    expect(await first.store.streamRevision(elsewhere)).toBe(-1);
  });
  it('moves stream heads in place (HOT updates), so stream rows stay on their pages', async () => {
    const streams = Array.from({ length: 300 }, () => streamName());
    await first.store.appendMany(streams.map((stream) => ({ stream, events: newEvents(1) })));
    const pages = async () => {
      const { rows } = await first.db.query<{ stream: string; page: string }>(
        `SELECT stream, (ctid::text::point)[0]::text AS page FROM streams WHERE stream = ANY($1::text[])`,
        [streams],
      );
      return new Map(rows.map((row) => [row.stream, row.page]));
    };
    const before = await pages();
    for (let round = 0; round < 30; round++)
      await first.store.appendMany(streams.map((stream) => ({ stream, events: newEvents(1) })));
    // A head moved to another page was not a HOT update: on full pages most were not.
    const after = await pages();
    expect(streams.filter((stream) => after.get(stream) !== before.get(stream))).toEqual([]);
  });
});
