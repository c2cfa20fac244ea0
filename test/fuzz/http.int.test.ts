// Fuzzing the HTTP API, bounded in time: for every operation of the app's own
// OpenAPI document (/api/docs/json) with a body, path parameters or a query,
// random and schema-shaped bodies with wrong types, prototype-pollution keys,
// deep nesting, huge strings, broken JSON and wrong content types, sent with
// a signed-in customer's or admin's session and a valid CSRF token, against
// the full app on real Postgres and Redis. Never a 5xx; every 4xx is
// problem+json with a `code`; a rejected request appends no event.

import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/account/index.ts';
import { createRoutesHarness, type RoutesHarness } from '../web/routes-fixture.ts';
import { fuzzableOperations, requestFor, type FuzzRequest, type Operation } from './http-inputs.ts';
import { fuzzSeed } from './mutations.ts';

let h: RoutesHarness;
let operations: Operation[];
const people: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  h = await createRoutesHarness();
  people.customer = (await h.register('customer')).accountId;
  people.admin = (await h.register('admin')).accountId;
  const docs = await h.app.inject({ method: 'GET', url: '/api/docs/json' });
  expect(docs.statusCode).toBe(200);
  operations = fuzzableOperations(docs.json());
}, 60_000);
afterAll(() => h?.close());

const eventCount = async (): Promise<number> => {
  const { rows } = await h.accounts.testStore.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM events',
  );
  return Number(rows[0]!.n);
};

async function send(op: Operation, req: FuzzRequest, role: Role): Promise<LightMyRequestResponse> {
  // A fresh session per request: a fuzzed logout or role change must not spoil the next one.
  const browser = await h.signIn(people[role]!, [role]);
  const token = await browser.csrf();
  const headers: Record<string, string> = {
    cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    'x-csrf-token': token,
  };
  const body = req.body;
  if (body.kind === 'raw') headers['content-type'] = body.contentType;
  return h.app.inject({
    method: op.method as 'GET',
    url: req.url,
    remoteAddress: browser.ip,
    headers,
    ...(body.kind === 'json' ? { payload: body.value as object } : {}),
    ...(body.kind === 'raw' ? { payload: body.payload } : {}),
  });
}

describe('fuzzing the HTTP API', () => {
  it('finds operations with bodies, path parameters or queries in the OpenAPI document', () => {
    expect(operations.filter((op) => op.bodyKeys !== null).length).toBeGreaterThan(10);
    expect(operations.some((op) => op.params.length > 0)).toBe(true);
  });

  it('answers a path parameter past the router limit (414) with a problem, as the fuzzer first found', async () => {
    const browser = await h.signIn(people.admin!, ['admin']);
    const res = await browser.post(`/api/admin/tariffs/${'x'.repeat(300)}`, {});
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 414, code: 'CLIENT_ERROR' });
  });

  it('answers random and hostile input with a 4xx problem and no event, never a 5xx', async () => {
    const seen = new Set<string>();
    const arbitrary = fc
      .tuple(fc.constantFrom(...operations), fc.constantFrom<Role>('customer', 'admin'))
      .chain(([op, role]) => requestFor(op).map((req) => ({ op, role, req })));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ op, role, req }) => {
        seen.add(`${op.method} ${op.path}`);
        const before = await eventCount();
        const res = await send(op, req, role);
        const where = `${op.method} ${req.url.slice(0, 120)} as ${role} → ${res.statusCode}`;
        expect(res.statusCode, where).toBeLessThan(500);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
          expect(res.json<{ code?: unknown }>().code, where).toEqual(expect.any(String));
          expect(await eventCount(), `${where}: events appended`).toBe(before);
        }
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 14_000, seed: fuzzSeed },
    );
    // Enough runs got through in the time to reach most operations.
    expect(seen.size).toBeGreaterThan(operations.length / 2);
  }, 40_000);
});
