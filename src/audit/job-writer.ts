// Writes a running job's state to its row as it changes: at most once every
// `saveEveryMs` for progress (state changes of a check go at once), one write
// at a time, always the latest state; between writes a heartbeat every
// `heartbeatMs` tells other instances the run is alive.

import type { SqlDatabase } from '../db/sql.ts';
import { saveJob, touchJob, type StoredJob } from './job-table.ts';
import type { AuditJob } from './jobs.ts';

export interface JobWriterOptions {
  saveEveryMs: number;
  heartbeatMs: number;
  /** Each state written, as stored (for this instance's followers). */
  onSaved(stored: StoredJob): void;
  /** The row was finished by someone else (marked interrupted): stop the run. */
  onLost(): void;
  onError(error: unknown): void;
}

export interface JobWriter {
  /** The job changed; `now` writes without waiting out `saveEveryMs`. */
  changed(now?: boolean): void;
  /** Writes the final state and stops the heartbeat. */
  finish(): Promise<void>;
}

export function createJobWriter(db: SqlDatabase, job: AuditJob, o: JobWriterOptions): JobWriter {
  let chain = Promise.resolve();
  let queued = false;
  let lastWrite = 0;
  let later: NodeJS.Timeout | undefined;

  const write = () => {
    clearTimeout(later);
    later = undefined;
    if (queued) return;
    queued = true;
    chain = chain.then(async () => {
      // Serialised when the write runs, so it carries every change made while it waited.
      queued = false;
      lastWrite = Date.now();
      try {
        const saved = await saveJob(db, job);
        if (saved) o.onSaved(saved);
        else o.onLost();
      } catch (error) {
        o.onError(error);
      }
    });
  };

  const heartbeat = setInterval(() => {
    if (queued || later) return;
    touchJob(db, job.id).catch(o.onError);
  }, o.heartbeatMs);
  heartbeat.unref();

  return {
    changed(now = false) {
      const wait = o.saveEveryMs - (Date.now() - lastWrite);
      if (now || wait <= 0) return write();
      later ??= setTimeout(write, wait);
    },
    async finish() {
      clearInterval(heartbeat);
      write();
      await chain;
    },
  };
}
