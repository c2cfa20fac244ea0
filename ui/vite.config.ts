// Vite builds the single-page app from ui/ into ui/dist, which the Fastify app
// serves (src/web/static-ui.ts). `npm run dev:ui` proxies /api to a running
// `ledger serve`. The `test` block runs the specs beside the *.svelte.ts stores,
// which need the Svelte compiler for their runes (`npm run check:ui`).

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const apiTarget = process.env.LEDGER_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': { target: apiTarget, changeOrigin: false } } },
  test: {
    root: import.meta.dirname,
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
