import { defineConfig } from 'vitest/config';

// Integration tests share one Postgres server; each suite makes its own
// database (test/support/postgres.ts), so files can run in parallel.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
