// A live runner given a batch its read model has no handler for (readings,
// to the properties read model) moves only its checkpoint, in one statement
// and without a transaction, and read-your-writes waits still see it; a batch
// it handles goes through the locked transaction as before. The one-statement
// move refuses to run when the stored checkpoint is not where the runner left
// it (a rebuild moved it), so the locked path can sort that out.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { propertiesProjection } from '../../src/projections/properties/index.ts';
import { readingsProjection } from '../../src/projections/readings/index.ts';
import {
  handledTypes,
  skipBatch,
  startRunner,
  type ProjectionRunner,
} from '../../src/projections/runner.ts';
import {
  ensureReadSchema,
  installProjection,
  readCheckpoint,
} from '../../src/projections/schema.ts';
import { waitForPosition } from '../../src/projections/wait.ts';
import { createPostgresTestStore, type TestStore } from '../support/store.ts';
import * as ev from './fixtures/events.ts';

const OWNER = '00000000-0000-4000-8000-0000000000a1';
const PROPERTY = '00000000-0000-4000-8000-0000000000b1';
let t: TestStore;
let runner: ProjectionRunner;
let transactions = 0;

beforeAll(async () => {
  t = await createPostgresTestStore({ pollIntervalMs: 50 });
  await ensureReadSchema(t.db);
  await installProjection(t.db, propertiesProjection);
  // The runner's read database, counting the transactions it opens.
  const readDb: SqlDatabase = {
    ...t.db,
    query: (text, params) => t.db.query(text, params),
    transaction: (fn) => {
      transactions++;
      return t.db.transaction(fn);
    },
  };
  runner = await startRunner({ store: t.store, readDb, projection: propertiesProjection });
  await runner.caughtUp;
});
afterAll(async () => {
  await runner.stop();
  await t.close();
});

const reached = (position: string) =>
  waitForPosition(t.db, ['properties'], position, {
    comparePositions: t.store.comparePositions,
    timeoutMs: 10_000,
    pollIntervalMs: 50,
  });

it('moves the checkpoint past events it ignores without a transaction, and waits see it', async () => {
  const before = transactions;
  const { position } = await t.store.append('gateway-g1', [
    ev.gatewayRegistered('g1', '2026-01-01T00:00:00.000Z'),
  ]);
  expect(await reached(position)).toBe(true);
  expect((await readCheckpoint(t.db, 'properties'))?.position).toBe(position);
  expect(transactions).toBe(before);
});

it('applies events it handles in the locked transaction', async () => {
  const before = transactions;
  const { position } = await t.store.append(`property-${PROPERTY}`, [
    ev.propertyAdded(PROPERTY, OWNER, '2026-01-02T00:00:00.000Z'),
  ]);
  expect(await reached(position)).toBe(true);
  expect(transactions).toBeGreaterThan(before);
  const { rows } = await t.db.query('SELECT owner_id FROM read.properties WHERE property_id = $1', [
    PROPERTY,
  ]);
  expect(rows).toEqual([{ owner_id: OWNER }]);
});

it('refuses to move a checkpoint that is not where the runner left it', async () => {
  const stored = (await readCheckpoint(t.db, 'properties'))!.position;
  const events = await t.store.readAll({ limit: 1 });
  expect(await skipBatch(t.db, propertiesProjection, events, 'not-the-stored-position')).toBe(
    false,
  );
  expect((await readCheckpoint(t.db, 'properties'))?.position).toBe(stored);
  // A batch with an event the read model handles is never skipped.
  const handled = (await t.store.readAll({ limit: 10 })).filter((e) => e.type === 'PropertyAdded');
  expect(await skipBatch(t.db, propertiesProjection, handled, stored)).toBe(false);
});

it('asks the store only for the event types its read model handles', async () => {
  const types = handledTypes(propertiesProjection)!;
  expect(types).toContain('PropertyAdded');
  expect(types).not.toContain('ReadingRecorded');
  // A read model that sees every event (the activity feed) is not filtered.
  expect(handledTypes({ ...propertiesProjection, everyEvent: async () => {} })).toBeNull();
  // Nor is one that handles readings: it would keep nearly every event.
  expect(handledTypes(readingsProjection)).toBeNull();
});
