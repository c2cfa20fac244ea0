// Verification jobs on embedded PGlite (the default deployment): the job runs
// on this process's loop and its row is kept in the data directory, and since
// only one process can hold that directory, a job left unfinished by a crash
// is reported interrupted as soon as the database is opened again.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countLogEvents } from '../../src/audit/job-run.ts';
import { inProcessRunner } from '../../src/audit/job-runners.ts';
import { INTERRUPTED_MESSAGE } from '../../src/audit/job-table.ts';
import { createAuditJobs } from '../../src/audit/jobs.ts';
import { runAudit } from '../../src/audit/run-audit.ts';
import { openEventStore } from '../../src/eventstore/open.ts';
import { hangingRunner } from './job-fixture.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'audit-jobs-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('verification jobs on PGlite', () => {
  it('a job cut off by a crash is interrupted when the database opens again; the next one runs', async () => {
    const crashed = await openEventStore({ dataDir });
    const before = await createAuditJobs({ db: crashed.db, runner: hangingRunner() });
    const { job } = await before.start('auditor');
    // Crash: the database goes away under the job, nothing is closed in order.
    await crashed.close();

    const opened = await openEventStore({ dataDir });
    try {
      const context = { store: opened.store, db: opened.db };
      const jobs = await createAuditJobs({
        db: opened.db,
        runner: inProcessRunner({
          run: (options) => runAudit(context, options),
          countEvents: () => countLogEvents(context),
        }),
      });
      expect(await jobs.get(job.id)).toMatchObject({
        status: 'interrupted',
        error: INTERRUPTED_MESSAGE,
        finishedAt: expect.any(String),
      });
      const next = await jobs.start('auditor');
      expect(next.started).toBe(true);
      await jobs.idle();
      const done = await jobs.get(next.job.id);
      expect(done).toMatchObject({ status: 'passed', startedBy: 'auditor' });
      expect(done!.report!.ok).toBe(true);
      await jobs.close();
    } finally {
      await opened.close();
    }
  }, 60_000);
});
