// Serves the built Svelte app (ui/dist) from the same origin as the API, so
// cookies stay SameSite and the CSP can say 'self'. Hashed assets are cached
// for a year; index.html never is. Any other GET that asks for HTML gets
// index.html (history routing: /portal/bills/… is a page of the SPA), while
// /api/* and non-HTML requests keep the problem+json 404. Without a build the
// plugin logs how to make one and serves nothing.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DEFAULT_UI_DIST = fileURLToPath(new URL('../../ui/dist', import.meta.url));

export interface StaticUiOptions {
  /** The Vite build output; defaults to ui/dist in this checkout. */
  distDir?: string;
}

const wantsPage = (request: FastifyRequest): boolean => {
  const path = request.url.split('?')[0]!;
  if (path === '/api' || path.startsWith('/api/')) return false;
  return (request.headers.accept ?? '').includes('text/html');
};

export async function staticUi(app: FastifyInstance, options: StaticUiOptions = {}) {
  const root = options.distDir ?? DEFAULT_UI_DIST;
  if (!existsSync(`${root}/index.html`)) {
    app.log.warn({ root }, 'no UI build found: run `npm run build:ui` to serve the web pages');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    // One route per built file, so unknown paths fall through to the page fallback below.
    wildcard: false,
    index: false,
    setHeaders(reply, path) {
      const hashed = path.includes(`${root}/assets/`);
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const page = (request: FastifyRequest, reply: FastifyReply) =>
    wantsPage(request)
      ? reply.header('cache-control', 'no-cache').sendFile('index.html')
      : reply.callNotFound();
  app.get('/', page);
  app.get('/*', page);
}
