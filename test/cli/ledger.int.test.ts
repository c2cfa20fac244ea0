// The `ledger` command as an operator runs it: a real process (bin/ledger.js)
// against a real Postgres database of its own, checked by exit code and output.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase } from '../../src/db/postgres.ts';
import { openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

const LEDGER = fileURLToPath(new URL('../../bin/ledger.js', import.meta.url));

describe('ledger CLI', () => {
  let database: TestDatabase;
  let workDir: string;

  beforeAll(async () => {
    database = await createTestDatabase('cli');
    // No .env and no ./data of the repository's: each run starts from a clean directory.
    workDir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
  });

  afterAll(async () => {
    await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('lists its commands', async () => {
    const run = await ledger(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['serve', 'migrate', 'verify-chain'])
      expect(run.stdout).toContain(command);
  });

  it('rejects an unknown command', async () => {
    const run = await ledger(['frobnicate']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
  });

  it('refuses to start on a bad configuration, naming every bad variable', async () => {
    const run = await ledger(['migrate'], { PORT: 'eighty', DATABASE_URL: 'mysql://x/y' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Invalid configuration');
    expect(run.stderr).toContain('PORT: must be an integer');
    expect(run.stderr).toContain('DATABASE_URL: must be a URL starting with postgres://');
  });

  it('migrates a fresh database once, then reports it up to date', async () => {
    const first = await ledger(['migrate'], { DATABASE_URL: database.url });
    expect(first).toMatchObject({
      code: 0,
      stdout:
        'Postgres: applied eventstore/001_events.sql, eventstore/002_streams_fillfactor.sql\n',
    });
    const again = await ledger(['migrate'], { DATABASE_URL: database.url });
    expect(again).toMatchObject({ code: 0, stdout: 'Postgres: schema is up to date.\n' });
  });

  // Creating a PGlite database from scratch takes many seconds on a busy two-core machine.
  it('reads .env from the working directory, with the environment winning over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-env-'));
    try {
      writeFileSync(join(dir, '.env'), 'DATABASE_URL=mysql://root@db/ledger\n');
      const fromFile = await ledger(['migrate'], {}, dir);
      expect(fromFile.code).toBe(1);
      expect(fromFile.stderr).toContain('DATABASE_URL: must be a URL starting with postgres://');
      const overridden = await ledger(['migrate'], { DATABASE_URL: database.url }, dir);
      expect(overridden).toMatchObject({ code: 0, stdout: 'Postgres: schema is up to date.\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates the embedded PGlite database under DATA_DIR', { timeout: 90_000 }, async () => {
    const run = await ledger(['migrate'], { DATA_DIR: join(workDir, 'data') });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `PGlite at ${join(workDir, 'data', 'pglite')}: applied eventstore/001_events.sql, eventstore/002_streams_fillfactor.sql\n`,
    );
  });

  it('verifies intact chains, then reports the first broken link with exit code 1', async () => {
    const db = postgresDatabase(database.url, 2);
    const store = openPostgresEventStore(db);
    try {
      await store.append('meter-1', events(3));
      await store.append('meter-2', events(2));
      const intact = await ledger(['verify-chain'], { DATABASE_URL: database.url });
      expect(intact).toMatchObject({
        code: 0,
        stdout: 'OK: hash chains intact in every stream (postgres)\n',
      });

      await db.query(
        `UPDATE events SET data = '{"wh": 999}' WHERE stream = 'meter-1' AND revision = 1`,
      );
      const broken = await ledger(['verify-chain'], { DATABASE_URL: database.url });
      expect(broken.code).toBe(1);
      expect(broken.stdout).toBe(
        'BROKEN: stream meter-1 at revision 1: content_changed: ' +
          'the event no longer hashes to its stored hash (it was edited)\n',
      );

      const otherStream = await ledger(['verify-chain', '--stream', 'meter-2'], {
        DATABASE_URL: database.url,
      });
      expect(otherStream).toMatchObject({
        code: 0,
        stdout: 'OK: hash chains intact in stream meter-2 (postgres)\n',
      });
    } finally {
      await store.close();
      await db.close();
    }
  });

  it('serves /health and /ready, and shuts down cleanly on SIGTERM', async () => {
    // A database of its own: the other tests' hand-made events are not domain
    // events, and a read model that cannot apply them keeps /ready at 503.
    const served = await createTestDatabase('cli_serve');
    const server = spawn(process.execPath, [LEDGER, 'serve'], {
      cwd: workDir,
      env: environment({ DATABASE_URL: served.url, PORT: '0', LOG_LEVEL: 'info' }),
    });
    const output = collect(server);
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      const url = await waitFor(
        () => /"url":"(http:[^"]+)".*"ledger is serving"/.exec(output.stdout)?.[1],
      );
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      // Ready once the read models have caught up with the log (503 until then).
      const ready = await waitFor(async () => {
        const response = await fetch(`${url}/ready`);
        return response.status === 200 ? ((await response.json()) as object) : undefined;
      });
      expect(ready).toMatchObject({ status: 'ready', store: 'postgres' });

      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output.stdout).toContain('"msg":"shutdown complete"');
    } finally {
      server.kill('SIGKILL');
      await exited;
      await served.drop();
    }
  });

  function environment(env: Record<string, string>): NodeJS.ProcessEnv {
    // Only what the process needs: no DATABASE_URL or KURRENTDB_URL leaking in from outside.
    return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env };
  }

  async function ledger(args: string[], env: Record<string, string> = {}, cwd = workDir) {
    const child = spawn(process.execPath, [LEDGER, ...args], {
      cwd,
      env: environment(env),
    });
    const output = collect(child);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, ...output };
  }
});

function collect(child: ReturnType<typeof spawn>) {
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return output;
}

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the server');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function events(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    type: 'ReadingRecorded',
    data: { wh: i },
  }));
}
