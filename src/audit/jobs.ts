// Verification as a durable background job: POST starts a run and answers at
// once; the run's progress (per check: events replayed of the events counted
// at start, then its finishing step) and its report are read back by id or
// followed as they change, from any web instance. Job state lives in
// `audit.verification_jobs` (job-table.ts); the run itself goes to a runner
// (job-runners.ts: a worker thread, or this loop for PGlite).
//
// One unfinished job at a time across instances (a unique index on the
// unfinished row): starting while one runs anywhere hands back that job. A
// job whose process stopped is marked interrupted (checked when it is read,
// followed or another start is asked for): at once when this instance
// closes; on Postgres at once when the process is gone (its run lock is
// free: Postgres ended the session holding it); else once its runner has
// been silent for `silentAfterMs` (a host gone without closing its
// connections). With PGlite only this process can hold the database, so any
// job left unfinished is interrupted when it opens.

import { randomUUID } from 'node:crypto';
import type { SqlDatabase } from '../db/sql.ts';
import type { AuditCheck } from './check.ts';
import { AUDIT_CHECKS } from './checks/index.ts';
import { createJobFollowers, isFinished, type JobListener } from './job-followers.ts';
import { applyReport, applySignal } from './job-run.ts';
import type { JobRunner, RunningJob } from './job-runners.ts';
import {
  findJob,
  findUnfinishedJob,
  insertJob,
  interruptAbandonedJobs,
  INTERRUPTED_MESSAGE,
  lockRun,
  migrateAuditJobs,
  type RunLock,
} from './job-table.ts';
import { createJobWriter } from './job-writer.ts';
import type { AuditReport } from './run-audit.ts';

export type AuditJobStatus = 'counting' | 'running' | 'passed' | 'failed' | 'error' | 'interrupted';

export interface CheckProgress {
  id: string;
  title: string;
  /** Events this check has been handed so far. */
  done: number;
  /** Events in the log when the job started (grows if more arrive meanwhile). */
  total: number;
  state: 'waiting' | 'replaying' | 'finishing' | 'done';
  ok: boolean | null;
}

export interface AuditJob {
  id: string;
  /** Account id of who started it. */
  startedBy: string;
  status: AuditJobStatus;
  startedAt: string;
  finishedAt: string | null;
  checks: CheckProgress[];
  report: AuditReport | null;
  /** Why the run itself broke or stopped (not a failed check); never internals, see the log. */
  error: string | null;
}

export type { JobListener };

export interface AuditJobs {
  /** Starts a job, or returns the unfinished one (of any instance) with `started: false`. */
  start(startedBy: string): Promise<{ job: AuditJob; started: boolean }>;
  get(id: string): Promise<AuditJob | null>;
  /** Calls `listener` with the job now and on each change; null for an unknown id. */
  follow(id: string, listener: JobListener): Promise<(() => void) | null>;
  /** Resolves when this instance runs no job. */
  idle(): Promise<void>;
  /** Stops following; a job this instance runs is stopped and marked interrupted. */
  close(): Promise<void>;
}

export interface AuditJobsOptions {
  /** Holds the job table (the read-model database). */
  db: SqlDatabase;
  runner: JobRunner;
  /** Names of the checks the runner runs (default: every audit check). */
  checks?: readonly Pick<AuditCheck, 'id' | 'title'>[];
  /** Least time between two progress writes (default 200 ms). */
  saveEveryMs?: number;
  /** How often a running job says it is alive (default 2 s, at most a fifth of `silentAfterMs`). */
  heartbeatMs?: number;
  /** A job not heard of for this long is interrupted (default 15 s). */
  silentAfterMs?: number;
  /** How often followers re-read the job (default 1 s; NOTIFY brings changes sooner). */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

const ERROR_MESSAGE = 'The verification could not be completed.';
const START_ATTEMPTS = 3;

export async function createAuditJobs(options: AuditJobsOptions): Promise<AuditJobs> {
  const { db, runner } = options;
  const checks = options.checks ?? AUDIT_CHECKS;
  const silentAfterMs = options.silentAfterMs ?? 15_000;
  const onError = options.onError ?? (() => undefined);
  // Postgres: a run lock per job tells at once that its process is gone.
  const runLocks = db.kind === 'postgres';
  await migrateAuditJobs(db);
  if (db.kind === 'pglite') await interruptAbandonedJobs(db, 0);

  const interruptAbandoned = () => interruptAbandonedJobs(db, silentAfterMs, { runLocks });
  const followers = createJobFollowers(db, {
    pollMs: options.pollMs ?? 1000,
    beforePoll: interruptAbandoned,
    onError,
  });
  let current: {
    job: AuditJob;
    run: RunningJob;
    interrupt: () => void;
    done: Promise<void>;
  } | null = null;

  const launch = (job: AuditJob, lock: RunLock | null) => {
    // Set when the run is stopped on purpose: this instance closing, or the row
    // already marked interrupted by another instance (this one went silent).
    const interrupt = () =>
      Object.assign(job, { status: 'interrupted', error: INTERRUPTED_MESSAGE });
    const writer = createJobWriter(db, job, {
      saveEveryMs: options.saveEveryMs ?? 200,
      heartbeatMs: options.heartbeatMs ?? Math.min(2000, silentAfterMs / 5),
      onSaved: followers.publish,
      onLost: () => {
        if (job.status === 'interrupted') return;
        interrupt();
        void run.stop();
      },
      onError,
    });
    const run = runner((signal) => {
      applySignal(job, signal);
      writer.changed(signal.type !== 'replayed');
    });
    const finish = async (): Promise<void> => {
      try {
        applyReport(job, await run.report);
      } catch (error) {
        if (job.status !== 'interrupted') {
          onError(error);
          Object.assign(job, { status: 'error', error: ERROR_MESSAGE });
        }
      }
      await writer.finish();
      await lock?.release();
    };
    const done = finish().finally(() => {
      current = null;
    });
    current = { job, run, interrupt, done };
  };

  const unfinished = async (): Promise<AuditJob | null> => {
    if (current) return current.job;
    return (await findUnfinishedJob(db))?.job ?? null;
  };

  return {
    async start(startedBy) {
      if (current) return { job: structuredClone(current.job), started: false };
      await interruptAbandoned();
      for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        const id = randomUUID();
        const lock = runLocks ? await lockRun(db, id) : null;
        const inserted = await insertJob(db, {
          id,
          startedBy,
          status: 'counting',
          checks: checks.map(({ id, title }) => ({
            ...{ id, title, done: 0, total: 0 },
            ...{ state: 'waiting' as const, ok: null },
          })),
        });
        if (inserted) {
          launch(structuredClone(inserted.job), lock);
          return { job: inserted.job, started: true };
        }
        await lock?.release();
        const running = await unfinished();
        if (running) return { job: structuredClone(running), started: false };
        // It finished between the two statements: try again.
      }
      throw new Error('could not start a verification: jobs kept finishing under the start');
    },
    async get(id) {
      const stored = await findJob(db, id);
      if (!stored || isFinished(stored.job)) return stored?.job ?? null;
      const interrupted = await interruptAbandonedJobs(db, silentAfterMs, { onlyId: id, runLocks });
      return interrupted.length === 0 ? stored.job : ((await findJob(db, id))?.job ?? null);
    },
    follow: (id, listener) => followers.follow(id, listener),
    async idle() {
      await current?.done;
    },
    async close() {
      const running = current;
      if (running) {
        running.interrupt();
        await running.run.stop();
        await running.done;
      }
      await followers.close();
    },
  };
}
