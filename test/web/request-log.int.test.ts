// At the default level (info) the app writes one line per answered request,
// naming the route pattern, never the URL: ids and query strings stay out of
// the logs, and a request costs one log line, not Fastify's default two.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/web/app.ts';
import { createPgliteTestStore, type TestStore } from '../support/store.ts';

describe('request log lines', () => {
  let testStore: TestStore;
  let app: FastifyInstance;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    testStore = await createPgliteTestStore();
    app = await buildApp({
      store: testStore.store,
      logLevel: 'info',
      logStream: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    app.get('/probe/:personId', async () => ({ ok: true }));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await testStore.close();
  });

  it('logs one line with the route pattern, status and time, and nothing of the URL', async () => {
    lines.length = 0;
    const response = await app.inject({
      method: 'GET',
      url: '/probe/person-4711?email=asha%40example.in',
    });
    expect(response.statusCode).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request',
      method: 'GET',
      route: '/probe/:personId',
      status: 200,
      ms: expect.any(Number),
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('4711');
    expect(text).not.toContain('example.in');
  });

  it('an unknown route is logged without its path', async () => {
    lines.length = 0;
    const response = await app.inject({ method: 'GET', url: '/no/such/person-4711' });
    expect(response.statusCode).toBe(404);
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines).toEqual([expect.objectContaining({ status: 404 })]);
    expect(JSON.stringify(lines)).not.toContain('4711');
  });
});
