import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProblemHandlers } from '../../src/web/problem.ts';
import { staticUi } from '../../src/web/static-ui.ts';

describe('staticUi', () => {
  let dist: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'ui-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>spa</title>');
    await writeFile(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    app = Fastify({ logger: false });
    installProblemHandlers(app);
    app.get('/api/known', async () => ({ ok: true }));
    await app.register(staticUi, { distDir: dist });
  });

  afterAll(async () => {
    await app.close();
    await rm(dist, { recursive: true, force: true });
  });

  const get = (url: string, accept = 'text/html') => app.inject({ url, headers: { accept } });

  it('serves index.html, uncached, for any page path a browser asks for', async () => {
    for (const url of ['/', '/portal/bills/b-1', '/verify-email']) {
      const response = await get(url);
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('<title>spa</title>');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets with a long immutable cache', async () => {
    const response = await get('/assets/index-abc.js', '*/*');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toContain('immutable');
  });

  it('keeps the problem+json 404 for unknown API paths and non-HTML requests', async () => {
    for (const [url, accept] of [
      ['/api/nope', 'text/html'],
      ['/nope', 'application/json'],
    ]) {
      const response = await get(url!, accept);
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect((await get('/api/known', 'application/json')).json()).toEqual({ ok: true });
  });

  it('serves nothing, without failing, when there is no build', async () => {
    const bare = Fastify({ logger: false });
    installProblemHandlers(bare);
    await bare.register(staticUi, { distDir: join(dist, 'missing') });
    expect((await bare.inject({ url: '/', headers: { accept: 'text/html' } })).statusCode).toBe(
      404,
    );
    await bare.close();
  });
});
