// Following jobs from any instance: each follower gets the job's current
// state at once, then every newer state until it finishes. States written
// here arrive directly; states written by another instance arrive through
// NOTIFY on the jobs channel, and every `pollMs` the followed jobs are read
// again (a notification lost while LISTEN reconnects, or a runner that died
// and wrote nothing, since `beforePoll` marks silent jobs interrupted).

import type { SqlDatabase } from '../db/sql.ts';
import { findJob, JOBS_CHANNEL, type StoredJob } from './job-table.ts';
import type { AuditJob } from './jobs.ts';

export type JobListener = (job: AuditJob) => void;

export interface JobFollowers {
  /** Calls `listener` with the job now and on each change; null for an unknown id. */
  follow(id: string, listener: JobListener): Promise<(() => void) | null>;
  /** A state this instance has just written. */
  publish(stored: StoredJob): void;
  close(): Promise<void>;
}

export interface JobFollowersOptions {
  pollMs: number;
  beforePoll: () => Promise<unknown>;
  onError: (error: unknown) => void;
}

interface Followed {
  version: number;
  listeners: Set<JobListener>;
}

export const isFinished = (job: AuditJob) => job.finishedAt !== null;

export function createJobFollowers(db: SqlDatabase, o: JobFollowersOptions): JobFollowers {
  const followed = new Map<string, Followed>();
  let unlisten: Promise<() => Promise<void>> | null = null;
  let poller: NodeJS.Timeout | undefined;

  const unwatchIfIdle = () => {
    if (followed.size > 0) return;
    clearInterval(poller);
    poller = undefined;
  };
  const publish = ({ job, version }: StoredJob) => {
    const entry = followed.get(job.id);
    if (!entry || version <= entry.version) return;
    entry.version = version;
    for (const listener of entry.listeners) listener(structuredClone(job));
    if (!isFinished(job)) return;
    followed.delete(job.id);
    unwatchIfIdle();
  };
  const refresh = async (id: string) => {
    if (!followed.has(id)) return;
    const stored = await findJob(db, id);
    if (stored) publish(stored);
  };
  const poll = async () => {
    await o.beforePoll();
    await Promise.all([...followed.keys()].map(refresh));
  };

  const watch = () => {
    // A failed LISTEN is not fatal: the poll still brings every change.
    unlisten ??= db
      .listen(JOBS_CHANNEL, (id) => void refresh(id).catch(o.onError))
      .catch(() => async () => undefined);
    poller ??= setInterval(() => void poll().catch(o.onError), o.pollMs);
  };

  return {
    async follow(id, listener) {
      const stored = await findJob(db, id);
      if (!stored) return null;
      listener(structuredClone(stored.job));
      if (isFinished(stored.job)) return () => undefined;
      let entry = followed.get(id);
      if (!entry) followed.set(id, (entry = { version: stored.version, listeners: new Set() }));
      // A later follower may have read a newer state than the others were sent: skip to it.
      entry.version = Math.max(entry.version, stored.version);
      entry.listeners.add(listener);
      watch();
      return () => {
        const current = followed.get(id);
        current?.listeners.delete(listener);
        if (current?.listeners.size === 0) followed.delete(id);
        unwatchIfIdle();
      };
    },
    publish,
    async close() {
      followed.clear();
      unwatchIfIdle();
      const stop = await unlisten;
      unlisten = null;
      await stop?.();
    },
  };
}
