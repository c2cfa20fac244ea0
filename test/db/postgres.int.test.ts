// The node-postgres adapter prepares each parameterised statement once per
// connection (a named statement): the answers stay right across parameters,
// inside transactions, and after the table is dropped and made again (as a
// read-model rebuild does), and a statement that fails to prepare can be
// fixed and run. Its pool reports how many connections are busy and waiting,
// and how many statements it has sent.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

let database: TestDatabase;
let db: SqlDatabase;

beforeAll(async () => {
  database = await createTestDatabase('db');
  db = postgresDatabase(database.url, 1);
  await db.query('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)');
  await db.query(`INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

const byId = 'SELECT name FROM items WHERE id = $1';

it('runs a parameterised statement as a prepared statement, right for every parameter', async () => {
  for (const [id, name] of [
    [1, 'one'],
    [2, 'two'],
    [3, 'three'],
    [1, 'one'],
  ] as const)
    expect((await db.query(byId, [id])).rows).toEqual([{ name }]);
  // One connection: the statement is prepared on it, once.
  const { rows } = await db.query<{ statement: string }>(
    'SELECT statement FROM pg_prepared_statements WHERE statement = $1',
    [byId],
  );
  expect(rows).toHaveLength(1);
  expect(await db.transaction(async (tx) => (await tx.query(byId, [2])).rows)).toEqual([
    { name: 'two' },
  ]);
});

it('still answers after its table is dropped and made again', async () => {
  await db.query('DROP TABLE items');
  await db.query('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, extra text)');
  await db.query(`INSERT INTO items VALUES (1, 'uno', 'x')`);
  expect((await db.query(byId, [1])).rows).toEqual([{ name: 'uno' }]);
});

it('a statement that failed to prepare runs once its table exists', async () => {
  const text = 'SELECT id FROM later WHERE id = $1';
  await expect(db.query(text, [1])).rejects.toThrow(/later/);
  await db.query('CREATE TABLE later (id integer)');
  await db.query('INSERT INTO later VALUES (7)');
  expect((await db.query(text, [7])).rows).toEqual([{ id: 7 }]);
});

it('reports its pool: connections open, idle and waiting', async () => {
  const idle = db.poolStats!();
  expect(idle).toMatchObject({ total: 1, idle: 1, waiting: 0 });
  const slow = db.query('SELECT pg_sleep(0.2)');
  const queued = db.query('SELECT 1');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(db.poolStats!()).toMatchObject({ total: 1, idle: 0, waiting: 1 });
  await Promise.all([slow, queued]);
  const sent = db.poolStats!().statements;
  await db.transaction((tx) => tx.query('SELECT 1'));
  expect(db.poolStats!().statements - sent).toBe(3);
});

it('runs its connections with JIT compilation off (OLTP statements never repay it)', async () => {
  expect((await db.query<{ jit: string }>('SHOW jit')).rows).toEqual([{ jit: 'off' }]);
});
