// Where a verification job runs. With a Postgres read database the job runs
// in a worker thread with connections of its own (job-worker-main.ts): the
// web process's event loop only relays its progress. Embedded PGlite lives in
// the web process and cannot be opened twice, so there the job runs on the
// web process's loop in small pages (each synchronous stretch is short, but a
// request arriving meanwhile still waits for one).

import { Worker } from 'node:worker_threads';
import { runJob, type JobRunOptions, type JobSignal } from './job-run.ts';
import type { AuditReport } from './run-audit.ts';

/** What a worker needs to open its own connections. */
export interface AuditWorkerSources {
  /** Postgres: the events (unless KurrentDB holds them) and the read models. */
  databaseUrl: string;
  kurrentdbUrl?: string;
  trustedLedgerKeys?: string[];
  /** Events per replay page (default: runAudit's 1000; the worker's loop may block). */
  pageSize?: number;
}

export type WorkerMessage =
  | { type: 'signal'; signal: JobSignal }
  | { type: 'report'; report: AuditReport }
  | { type: 'error'; message: string; stack?: string };

export interface RunningJob {
  report: Promise<AuditReport>;
  /** Stops the run (the report then rejects); resolves once it no longer runs. */
  stop(): Promise<void>;
}

export type JobRunner = (signal: (s: JobSignal) => void) => RunningJob;

/** Runs each job in a worker thread with its own store and read-db connections. */
export function workerRunner(sources: AuditWorkerSources): JobRunner {
  return (signal) => {
    const worker = new Worker(new URL('./job-worker.mjs', import.meta.url), {
      workerData: sources,
    });
    let settled = false;
    const report = new Promise<AuditReport>((resolve, reject) => {
      const fail = (error: Error) => {
        if (!settled) reject(error);
        settled = true;
      };
      worker.on('message', (message: WorkerMessage) => {
        if (settled) return;
        if (message.type === 'signal') return signal(message.signal);
        if (message.type === 'report') {
          settled = true;
          return resolve(message.report);
        }
        const error = new Error(`verification worker: ${message.message}`);
        if (message.stack) error.stack = message.stack;
        fail(error);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`verification worker exited with code ${code}`)));
    });
    return {
      report,
      async stop() {
        await worker.terminate();
      },
    };
  };
}

/** Runs each job on this process's event loop, in pages of `pageSize` events (default 100). */
export function inProcessRunner(options: JobRunOptions): JobRunner {
  return (signal) => {
    let stopped = false;
    // A stopped run ends at its next signal (the next page at the latest).
    const report = runJob({ pageSize: 100, ...options }, (s) => {
      if (stopped) throw new Error('verification stopped');
      signal(s);
    });
    return {
      report,
      async stop() {
        stopped = true;
        await report.catch(() => undefined);
      },
    };
  };
}
