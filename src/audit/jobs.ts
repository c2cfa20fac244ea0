// Verification as a background job: POST starts a run and answers at once;
// the run's progress (per check: events replayed of the events counted at
// start, then its finishing step) and its report are read back by id or
// followed as they change. One run at a time: starting while one runs hands
// back the running job. Jobs live in this process's memory (the last few
// finished ones are kept), so they vanish on restart and each web process has
// its own; the report itself is cheap to recompute.

import { randomUUID } from 'node:crypto';
import type { AuditCheck } from './check.ts';
import { AUDIT_CHECKS } from './checks/index.ts';
import type { AuditReport, RunAuditOptions } from './run-audit.ts';

export type AuditJobStatus = 'counting' | 'running' | 'passed' | 'failed' | 'error';

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
  status: AuditJobStatus;
  startedAt: string;
  finishedAt: string | null;
  checks: CheckProgress[];
  report: AuditReport | null;
  /** Why the run itself broke (not a failed check); never internals, see the log. */
  error: string | null;
}

export type AuditRunner = (options: RunAuditOptions) => Promise<AuditReport>;
export type JobListener = (job: AuditJob) => void;

export interface AuditJobs {
  /** Starts a job, or returns the running one with `started: false`. */
  start(): { job: AuditJob; started: boolean };
  get(id: string): AuditJob | null;
  /** Calls `listener` with a copy of the job on each change; null for an unknown id. */
  follow(id: string, listener: JobListener): (() => void) | null;
  /** Resolves when no job is running (for shutdown). */
  idle(): Promise<void>;
}

export interface AuditJobsOptions {
  run: AuditRunner;
  /** Counts the events in the log (the `total` of each check's progress). */
  countEvents: () => Promise<number>;
  checks?: readonly AuditCheck[];
  /** Small pages keep each synchronous stretch of checking short (default 100 events). */
  pageSize?: number;
  /** Finished jobs kept for GET (default 10). */
  keep?: number;
  /** Least time between two progress notifications (default 100 ms). */
  notifyEveryMs?: number;
  onError?: (error: unknown) => void;
}

const finished = (job: AuditJob) =>
  job.status === 'passed' || job.status === 'failed' || job.status === 'error';

export function createAuditJobs(options: AuditJobsOptions): AuditJobs {
  const checks = options.checks ?? AUDIT_CHECKS;
  const keep = options.keep ?? 10;
  const notifyEveryMs = options.notifyEveryMs ?? 100;
  const jobs = new Map<string, AuditJob>();
  const listeners = new Map<string, Set<JobListener>>();
  let current: { job: AuditJob; done: Promise<void> } | null = null;

  const copy = (job: AuditJob): AuditJob => structuredClone(job);
  let lastNotice = 0;
  const notify = (job: AuditJob, force = false) => {
    const now = Date.now();
    if (!force && now - lastNotice < notifyEveryMs) return;
    lastNotice = now;
    for (const listener of listeners.get(job.id) ?? []) listener(copy(job));
  };

  const forget = () => {
    const done = [...jobs.values()].filter(finished);
    for (const job of done.slice(0, Math.max(0, done.length - keep))) {
      jobs.delete(job.id);
      listeners.delete(job.id);
    }
  };

  // Each check is wrapped so the job sees when its finishing step starts and ends.
  const watched = (job: AuditJob): AuditCheck[] =>
    checks.map((check, i) => ({
      id: check.id,
      title: check.title,
      start(context) {
        const run = check.start(context);
        return {
          observe: (event) => run.observe(event),
          async finish() {
            const progress = job.checks[i]!;
            progress.state = 'finishing';
            notify(job, true);
            const result = await run.finish();
            progress.state = 'done';
            progress.ok = result.failures.length === 0;
            notify(job, true);
            return result;
          },
        };
      },
    }));

  const execute = async (job: AuditJob): Promise<void> => {
    try {
      const total = await options.countEvents();
      job.status = 'running';
      for (const c of job.checks) Object.assign(c, { total, state: 'replaying' });
      notify(job, true);
      const report = await options.run({
        checks: watched(job),
        pageSize: options.pageSize ?? 100,
        onProgress(replayed) {
          for (const c of job.checks) {
            c.done = replayed;
            c.total = Math.max(c.total, replayed);
          }
          notify(job);
        },
      });
      // The report is the truth: a check that crashed mid-replay fails there.
      for (const c of job.checks) {
        const reported = report.checks.find((r) => r.id === c.id);
        Object.assign(c, { state: 'done', ok: reported?.ok ?? false });
      }
      job.report = report;
      job.status = report.ok ? 'passed' : 'failed';
    } catch (error) {
      options.onError?.(error);
      job.status = 'error';
      job.error = 'The verification could not be completed.';
    } finally {
      job.finishedAt = new Date().toISOString();
      notify(job, true);
      listeners.delete(job.id);
      current = null;
      forget();
    }
  };

  return {
    start() {
      if (current) return { job: copy(current.job), started: false };
      const job: AuditJob = {
        id: randomUUID(),
        status: 'counting',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        checks: checks.map(({ id, title }) => ({
          id,
          title,
          done: 0,
          total: 0,
          state: 'waiting',
          ok: null,
        })),
        report: null,
        error: null,
      };
      jobs.set(job.id, job);
      // Started on the next turn, so the caller answers before any checking begins.
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => execute(job));
      current = { job, done };
      return { job: copy(job), started: true };
    },
    get(id) {
      const job = jobs.get(id);
      return job ? copy(job) : null;
    },
    follow(id, listener) {
      const job = jobs.get(id);
      if (!job) return null;
      listener(copy(job));
      if (finished(job)) return () => undefined;
      let set = listeners.get(id);
      if (!set) listeners.set(id, (set = new Set()));
      set.add(listener);
      return () => void listeners.get(id)?.delete(listener);
    },
    async idle() {
      await current?.done;
    },
  };
}

/** Counts the log's events by paging through it (no store offers a count). */
export async function countLogEvents(
  readAll: (options: { after?: string; limit: number }) => Promise<{ position: string }[]>,
  pageSize = 500,
): Promise<number> {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await readAll(
      after === undefined ? { limit: pageSize } : { after, limit: pageSize },
    );
    count += page.length;
    if (page.length < pageSize) return count;
    after = page[page.length - 1]!.position;
  }
}
