import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/shared/decider.ts';
import { WrongExpectedRevisionError } from '../../src/eventstore/errors.ts';
import { buildApp } from '../../src/web/app.ts';
import { ProblemError } from '../../src/web/problem.ts';
import { securityHeaders } from '../../src/web/security.ts';
import { listen } from '../../src/web/server.ts';
import { createPgliteTestStore, type TestStore } from '../support/store.ts';

describe('web app on the embedded store', () => {
  let testStore: TestStore;
  let app: FastifyInstance;

  beforeAll(async () => {
    testStore = await createPgliteTestStore();
    app = await buildApp({ store: testStore.store, logLevel: 'silent', bodyLimit: 1024 });
    addFailingRoutes(app);
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await testStore.close();
  });

  it('answers /health with liveness JSON and security headers', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number) });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it("sends helmet's headers, worked out once, on every answer (404s and errors too)", async () => {
    const helmets = await securityHeaders();
    expect(helmets).toMatchObject({
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(helmets['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const url of ['/health', '/no-such-page', '/test/crash']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers, url).toMatchObject(helmets);
    }
  });

  it('answers /ready with the store kind and its head position', async () => {
    const empty = await app.inject({ method: 'GET', url: '/ready' });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ status: 'ready', store: 'pglite', headPosition: null });

    const { position } = await testStore.store.append('probe-1', [
      { id: '00000000-0000-4000-8000-000000000001', type: 'Probed', data: {} },
    ]);
    const after = await app.inject({ method: 'GET', url: '/ready' });
    expect(after.json()).toEqual({ status: 'ready', store: 'pglite', headPosition: position });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/no/such/thing?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      code: 'NOT_FOUND',
      detail: 'No route for GET /no/such/thing',
      instance: expect.stringMatching(/^urn:request:[0-9a-f-]{36}$/),
    });
  });

  it('hides the cause of a 500 and gives the request id instead', async () => {
    const response = await app.inject({ method: 'GET', url: '/test/crash' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const body = response.json();
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'INTERNAL',
      instance: expect.stringMatching(/^urn:request:/),
    });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('pg_hba');
  });

  it('maps typed errors to their status and code', async () => {
    const domain = await app.inject({ method: 'POST', url: '/test/domain' });
    expect(domain.statusCode).toBe(422);
    expect(domain.json()).toMatchObject({
      code: 'PROPERTY_NOT_APPROVED',
      detail: 'not approved yet',
    });

    const conflict = await app.inject({ method: 'POST', url: '/test/conflict' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
    expect(conflict.body).not.toContain('meter-7');

    const problem = await app.inject({ method: 'POST', url: '/test/teapot' });
    expect(problem.statusCode).toBe(418);
    expect(problem.json()).toMatchObject({ code: 'TEAPOT', title: 'Client Error' });
  });

  it('rejects a body that breaks the route schema with every violation listed', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/test/validated',
      payload: { units: 'many' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'body/units', message: expect.any(String) }],
    });
  });

  it('rejects malformed JSON, unsupported media types and oversized bodies', async () => {
    const malformed = await app.inject({
      method: 'POST',
      url: '/test/validated',
      headers: { 'content-type': 'application/json' },
      payload: '{"units":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'BAD_REQUEST' });

    const wrongType = await app.inject({
      method: 'POST',
      url: '/test/validated',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'x',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });

    const huge = await app.inject({
      method: 'POST',
      url: '/test/validated',
      payload: { units: 1, padding: 'x'.repeat(2048) },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('serves over a real socket on the port it was given', async () => {
    const url = await listen(app, { port: 0, host: '127.0.0.1' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  function addFailingRoutes(instance: FastifyInstance) {
    instance.get('/test/crash', async () => {
      throw new Error('connect ECONNREFUSED: no pg_hba.conf entry, password hunter2');
    });
    instance.post('/test/domain', async () => {
      throw new DomainError('PROPERTY_NOT_APPROVED', 'not approved yet');
    });
    instance.post('/test/conflict', async () => {
      throw new WrongExpectedRevisionError('meter-7', '3', 5);
    });
    instance.post('/test/teapot', async () => {
      throw new ProblemError(418, 'TEAPOT', 'short and stout');
    });
    instance.post(
      '/test/validated',
      {
        schema: {
          body: {
            type: 'object',
            required: ['units'],
            properties: { units: { type: 'integer' } },
          },
        },
      },
      async () => ({ ok: true }),
    );
  }
});

describe('web app when the store does not answer', () => {
  it('reports not ready with a 503 problem', async () => {
    const testStore = await createPgliteTestStore();
    const app = await buildApp({ store: testStore.store, logLevel: 'silent' });
    await testStore.close();
    try {
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({
        status: 503,
        code: 'STORE_UNAVAILABLE',
        detail: 'The event store did not answer.',
      });
      // Liveness does not depend on the store.
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
