// CPU time Postgres spends for a benchmark, read from /proc (Linux, same
// machine): the backends connected to the bench's database, and the shared
// background processes (WAL writer, checkpointer, ...) that every database on
// the server uses, reported apart because other work on the server adds to them.

import { readFile } from 'node:fs/promises';
import type { SqlDatabase } from '../../src/db/sql.ts';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * utime + stime in seconds of a process (`/proc/<pid>/stat`) or of one thread
 * (`/proc/<pid>/task/<tid>/stat`; a process's main thread has tid = pid); 0 once gone.
 */
export const cpuSecondsOf = async (statPath: string): Promise<number> => {
  try {
    const stat = await readFile(statPath, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
};

export interface PostgresCpu {
  /** Seconds used by this database's backends since the sample. */
  backends: number;
  /** Seconds used by the server's shared background processes since the sample. */
  shared: number;
}

/** Samples now; the returned function gives the CPU seconds used since. */
export async function samplePostgresCpu(db: SqlDatabase): Promise<() => Promise<PostgresCpu>> {
  const pids = async () => {
    const { rows } = await db.query<{ pid: number; own: boolean }>(
      `SELECT pid, datname IS NOT DISTINCT FROM current_database() AS own
       FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL`,
    );
    return rows;
  };
  const sample = async () => {
    const seconds = new Map<number, { own: boolean; cpu: number }>();
    for (const { pid, own } of await pids())
      seconds.set(pid, { own, cpu: await cpuSecondsOf(`/proc/${pid}/stat`) });
    return seconds;
  };
  const before = await sample();
  return async () => {
    const used = { backends: 0, shared: 0 };
    // A backend opened during the window started at zero; one closed during it is lost.
    for (const [pid, { own, cpu }] of await sample())
      used[own ? 'backends' : 'shared'] += cpu - (before.get(pid)?.cpu ?? 0);
    return used;
  };
}
