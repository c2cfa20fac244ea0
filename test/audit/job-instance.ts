// A web instance in a child process for the restart test: opens the job
// table at argv[2], starts a verification that never finishes (heartbeat
// every 100 ms), prints `{"id": …}` and waits to be killed.

import { createAuditJobs } from '../../src/audit/jobs.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import { hangingRunner } from './job-fixture.ts';

const db = postgresDatabase(process.argv[2]!, 2);
const jobs = await createAuditJobs({ db, runner: hangingRunner(), heartbeatMs: 100 });
const { job } = await jobs.start('killed-instance');
process.stdout.write(`${JSON.stringify({ id: job.id })}\n`);
setInterval(() => undefined, 60_000);
