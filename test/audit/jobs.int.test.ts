// Verification jobs are rows in Postgres, shared by every web instance (real
// Postgres; the real audit in a worker thread where a report is wanted): one
// unfinished job at a time across instances, either instance answers for and
// follows a job the other runs, and a job whose instance dies (SIGKILL: its
// run lock is freed) or closes is reported interrupted at once, never left
// running, and a new one can start.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerRunner } from '../../src/audit/job-runners.ts';
import { INTERRUPTED_MESSAGE } from '../../src/audit/job-table.ts';
import { createAuditJobs, type AuditJob, type AuditJobs } from '../../src/audit/jobs.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { createAuditLedger, type AuditLedger } from './ledger-fixture.ts';
import { hangingRunner } from './job-fixture.ts';
import { waitForWholeLog } from './wait.ts';

let ledger: AuditLedger;
let otherDb: SqlDatabase;
const opened: AuditJobs[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  ledger = await createAuditLedger();
  await waitForWholeLog(ledger.store, ledger.db);
  // The second instance's own pool, as another web process would have.
  otherDb = postgresDatabase(ledger.databaseUrl, 5);
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const jobs of opened) await jobs.close();
  await otherDb?.close();
  await ledger?.close();
});

async function instance(db: SqlDatabase, options: Partial<Parameters<typeof createAuditJobs>[0]>) {
  const jobs = await createAuditJobs({
    db,
    runner: workerRunner({ databaseUrl: ledger.databaseUrl }),
    pollMs: 100,
    ...options,
  });
  opened.push(jobs);
  return jobs;
}

/** Follows the job until it finishes; resolves to every state received. */
async function followToEnd(jobs: AuditJobs, id: string): Promise<AuditJob[]> {
  const states: AuditJob[] = [];
  let stop: (() => void) | null = null;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`job ${id} did not finish`)), 30_000);
    void jobs
      .follow(id, (job) => {
        states.push(job);
        if (job.finishedAt === null) return;
        clearTimeout(timer);
        resolve();
      })
      .then((s) => (stop = s), reject);
  });
  (stop as (() => void) | null)?.();
  return states;
}

describe('verification jobs shared by instances', () => {
  it('runs one job at a time across instances, and either one answers for it and follows it', async () => {
    const a = await instance(ledger.db, {});
    const b = await instance(otherDb, {});
    const first = await a.start('auditor-a');
    expect(first.started).toBe(true);
    expect(first.job).toMatchObject({ startedBy: 'auditor-a', status: 'counting', report: null });

    const second = await b.start('auditor-b');
    expect(second.started).toBe(false);
    expect(second.job.id).toBe(first.job.id);
    expect(second.job.startedBy).toBe('auditor-a');

    const states = await followToEnd(b, first.job.id);
    expect(states[0]!.finishedAt).toBeNull();
    const done = states.at(-1)!;
    expect(done.status).toBe('passed');
    expect(done.report!.ok).toBe(true);
    for (const check of done.checks) expect(check).toMatchObject({ state: 'done', ok: true });
    expect(await a.get(first.job.id)).toEqual(done);
    expect(await b.get(first.job.id)).toEqual(done);
    await a.idle();

    // Finished: the other instance may start the next one.
    const next = await b.start('auditor-b');
    expect(next.started).toBe(true);
    expect((await followToEnd(a, next.job.id)).at(-1)!.status).toBe('passed');
    await b.idle();
  }, 60_000);

  it('an unknown or malformed id is no job', async () => {
    const a = await instance(ledger.db, {});
    expect(await a.get('0b6f3f0e-8a36-4c61-9d40-6c1a7c5c2f11')).toBeNull();
    expect(await a.get('not-a-job')).toBeNull();
    expect(await a.follow('not-a-job', () => undefined)).toBeNull();
  });

  it('a job whose instance is killed mid-run is reported interrupted, and the next can start', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'job-instance.ts'), ledger.databaseUrl],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const { id } = JSON.parse(line.toString('utf8')) as { id: string };

    // Silence alone would take a minute: only the freed run lock can tell in time.
    const survivor = await instance(otherDb, { silentAfterMs: 60_000 });
    const before = await survivor.get(id);
    expect(before).toMatchObject({ startedBy: 'killed-instance', finishedAt: null });
    const followed = followToEnd(survivor, id);
    // Another instance's start hands back the running job.
    expect((await survivor.start('auditor-b')).job.id).toBe(id);

    child.kill('SIGKILL');
    await once(child, 'exit');
    const states = await followed;
    const interrupted = states.at(-1)!;
    expect(interrupted).toMatchObject({ id, status: 'interrupted', error: INTERRUPTED_MESSAGE });
    expect(interrupted.finishedAt).not.toBeNull();
    expect(await survivor.get(id)).toEqual(interrupted);

    const next = await survivor.start('auditor-b');
    expect(next.started).toBe(true);
    expect((await followToEnd(survivor, next.job.id)).at(-1)!.status).toBe('passed');
  }, 60_000);

  it('a worker that cannot run ends the job in error, with the cause in the log only', async () => {
    const errors: unknown[] = [];
    const broken = await instance(ledger.db, {
      // Nothing listens on port 1: the worker's first query fails.
      runner: workerRunner({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none' }),
      onError: (error) => errors.push(error),
    });
    const { job } = await broken.start('auditor-a');
    await broken.idle();
    expect(await broken.get(job.id)).toMatchObject({
      status: 'error',
      error: 'The verification could not be completed.',
      report: null,
      finishedAt: expect.any(String),
    });
    expect(String(errors[0])).toMatch(/verification worker: .*ECONNREFUSED/);
  });

  it('an instance that closes mid-run marks its job interrupted at once', async () => {
    const closing = await createAuditJobs({ db: ledger.db, runner: hangingRunner() });
    const { job } = await closing.start('auditor-a');
    const other = await instance(otherDb, {});
    expect((await other.get(job.id))!.finishedAt).toBeNull();
    await closing.close();
    expect(await other.get(job.id)).toMatchObject({
      status: 'interrupted',
      error: INTERRUPTED_MESSAGE,
      finishedAt: expect.any(String),
    });
  });

  // Last: it drops the job table.
  it('the job table comes back empty when a restore left the audit schema out', async () => {
    await ledger.db.query('DROP SCHEMA audit CASCADE');
    const restored = await instance(ledger.db, {});
    const { rows } = await ledger.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit.verification_jobs',
    );
    expect(rows[0]!.n).toBe(0);
    const { job, started } = await restored.start('auditor-a');
    expect(started).toBe(true);
    expect((await followToEnd(restored, job.id)).at(-1)!.status).toBe('passed');
  }, 60_000);
});
