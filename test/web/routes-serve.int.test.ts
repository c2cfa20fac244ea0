// `ledger serve` as composed for production shape, in a real process on a
// Postgres database of its own and Redis: the resource API and its OpenAPI
// document are served, the read models are running, the TEST payment
// provider is offered outside production, and SIGTERM shuts down cleanly even
// with a dashboard's server-sent-event stream open.

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeyValueStore } from '../../src/auth/kv.ts';
import { createSessionStore } from '../../src/auth/sessions.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { deleteRedisKeys, REDIS_URL } from './auth-fixture.ts';

const LEDGER = fileURLToPath(new URL('../../bin/ledger.js', import.meta.url));

describe('ledger serve (composed server)', () => {
  let database: TestDatabase;
  let workDir: string;
  const prefix = `test:${randomBytes(6).toString('hex')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('serve');
    workDir = mkdtempSync(join(tmpdir(), 'ledger-serve-'));
  });
  afterAll(async () => {
    await deleteRedisKeys(prefix);
    await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('serves the API with read models running, and shuts down cleanly with an SSE stream open', async () => {
    const server = spawn(process.execPath, [LEDGER, 'serve'], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: database.url,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        DATA_DIR: join(workDir, 'data'),
        PORT: '0',
        LOG_LEVEL: 'info',
      },
    });
    let stdout = '';
    server.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      const url = await waitFor(
        () => /"url":"(http:[^"]+)".*"ledger is serving"/.exec(stdout)?.[1],
      );
      expect(stdout).toMatch(/"payments":\["test"\]/);
      const doc = (await (await fetch(`${url}/api/docs/json`)).json()) as {
        paths: Record<string, unknown>;
      };
      for (const path of [
        '/api/properties',
        '/api/bills/{billId}/pdf',
        '/api/admin/bill-runs',
        '/api/payments/webhooks/{provider}',
        '/api/auditor/verifications',
      ])
        expect(Object.keys(doc.paths)).toContain(path);
      const anonymous = await fetch(`${url}/api/properties`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toContain('application/problem+json');

      const db = postgresDatabase(database.url);
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM read.checkpoints');
      await db.close();
      expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(9);

      // A dashboard stream, opened with a staff session in the server's Redis.
      const kv = redisKeyValueStore(REDIS_URL, prefix);
      const session = await createSessionStore(kv).create({
        accountId: randomUUID(),
        roles: ['admin'],
        stage: 'full',
      });
      await kv.close();
      const live = await fetch(`${url}/api/live`, {
        headers: { cookie: `ml_session=${session.id}` },
      });
      expect(live.status).toBe(200);
      const reader = live.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain('retry: 3000');

      const stoppedAt = Date.now();
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(8_000);
      expect(stdout).toContain('"msg":"shutdown complete"');
      await reader.cancel().catch(() => undefined);
    } finally {
      server.kill('SIGKILL');
    }
  }, 60_000);
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the server');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
