// One verification run as a sequence of signals: the events counted, events
// replayed so far, each check's finishing step starting and ending, then the
// report. The same code runs in a worker thread (signals become messages to
// the web process) and on the web process's own loop (PGlite, whose database
// lives in that process); `applySignal` folds the signals into the job the
// API shows.

import type { AuditCheck, AuditContext } from './check.ts';
import { AUDIT_CHECKS } from './checks/index.ts';
import type { AuditJob } from './jobs.ts';
import type { AuditReport, RunAuditOptions } from './run-audit.ts';

export type JobSignal =
  | { type: 'counted'; total: number }
  | { type: 'replayed'; replayed: number }
  | { type: 'finishing'; index: number }
  | { type: 'checked'; index: number; ok: boolean };

export type AuditRunner = (options: RunAuditOptions) => Promise<AuditReport>;

export interface JobRunOptions {
  run: AuditRunner;
  /** Events in the log (the `total` of each check's progress). */
  countEvents: () => Promise<number>;
  checks?: readonly AuditCheck[];
  pageSize?: number;
}

/** Runs the audit, calling `signal` as it goes; resolves to the report. */
export async function runJob(
  options: JobRunOptions,
  signal: (s: JobSignal) => void,
): Promise<AuditReport> {
  const checks = options.checks ?? AUDIT_CHECKS;
  signal({ type: 'counted', total: await options.countEvents() });
  // Each check is wrapped so the job sees when its finishing step starts and ends.
  const watched = checks.map((check, index): AuditCheck => ({
    id: check.id,
    title: check.title,
    start(context) {
      const run = check.start(context);
      return {
        observe: (event) => run.observe(event),
        async finish() {
          signal({ type: 'finishing', index });
          const result = await run.finish();
          signal({ type: 'checked', index, ok: result.failures.length === 0 });
          return result;
        },
      };
    },
  }));
  return options.run({
    checks: watched,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    onProgress: (replayed) => signal({ type: 'replayed', replayed }),
  });
}

/** The job after `signal` (mutated in place). */
export function applySignal(job: AuditJob, signal: JobSignal): void {
  switch (signal.type) {
    case 'counted':
      job.status = 'running';
      for (const c of job.checks) Object.assign(c, { total: signal.total, state: 'replaying' });
      return;
    case 'replayed':
      for (const c of job.checks) {
        c.done = signal.replayed;
        c.total = Math.max(c.total, signal.replayed);
      }
      return;
    case 'finishing':
      job.checks[signal.index]!.state = 'finishing';
      return;
    case 'checked':
      Object.assign(job.checks[signal.index]!, { state: 'done', ok: signal.ok });
      return;
    default: {
      const _: never = signal;
      return _;
    }
  }
}

/** The job once its report is in: the report is the truth (a check that crashed mid-replay fails there). */
export function applyReport(job: AuditJob, report: AuditReport): void {
  for (const c of job.checks) {
    const reported = report.checks.find((r) => r.id === c.id);
    const replayed = report.eventsReplayed;
    Object.assign(c, { state: 'done', ok: reported?.ok ?? false, done: replayed, total: replayed });
  }
  job.report = report;
  job.status = report.ok ? 'passed' : 'failed';
}

/** Events in the log: one count on a SQL store, else paging through it (KurrentDB offers no count). */
export async function countLogEvents(context: Pick<AuditContext, 'store' | 'db'>): Promise<number> {
  if (context.store.kind !== 'kurrentdb' && context.db) {
    const { rows } = await context.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    return rows[0]?.n ?? 0;
  }
  const pageSize = 1000;
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await context.store.readAll(
      after === undefined ? { limit: pageSize } : { after, limit: pageSize },
    );
    count += page.length;
    if (page.length < pageSize) return count;
    after = page[page.length - 1]!.position;
  }
}
