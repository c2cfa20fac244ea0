// The durable side of verification jobs: `audit.verification_jobs` (see
// job-table.sql). Every write of a running job bumps its version and
// heartbeat and notifies the channel with the job id, so any instance can
// follow a job another one runs. Writes to a finished row are
// refused (`finished_at IS NULL` guards them), so a job marked interrupted
// stays interrupted even if its old runner wakes up.

import { readFile } from 'node:fs/promises';
import type { SqlDatabase, SqlExecutor } from '../db/sql.ts';
import type { AuditJob, CheckProgress } from './jobs.ts';
import type { AuditReport } from './run-audit.ts';

export const JOBS_CHANNEL = 'audit_verification_jobs';

export const INTERRUPTED_MESSAGE =
  'The verification was interrupted: the server running it stopped. Start it again.';

export interface StoredJob {
  job: AuditJob;
  version: number;
}

interface JobRow {
  id: string;
  started_by: string;
  status: AuditJob['status'];
  started_at: Date | string;
  finished_at: Date | string | null;
  version: number;
  checks: CheckProgress[];
  report: AuditReport | null;
  error: string | null;
}

const COLUMNS = 'id, started_by, status, started_at, finished_at, version, checks, report, error';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (value: Date | string) => new Date(value).toISOString();

const fromRow = (row: JobRow): StoredJob => ({
  job: {
    id: row.id,
    startedBy: row.started_by,
    status: row.status,
    startedAt: iso(row.started_at),
    finishedAt: row.finished_at === null ? null : iso(row.finished_at),
    checks: row.checks,
    report: row.report,
    error: row.error,
  },
  version: Number(row.version),
});

/** Creates the job table unless it exists (job-table.sql); safe from several processes at once. */
export async function migrateAuditJobs(db: SqlDatabase): Promise<void> {
  const sql = await readFile(new URL('./job-table.sql', import.meta.url), 'utf8');
  await db.transaction(async (tx) => {
    // CREATE ... IF NOT EXISTS still races on the catalog when two processes run it together.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('meterledger:audit-jobs-migrate'))`, []);
    await tx.query(sql);
  });
}

/** Inserts the job unless another is unfinished (on any instance); null then. */
export async function insertJob(
  db: SqlExecutor,
  job: Pick<AuditJob, 'id' | 'startedBy' | 'status' | 'checks'>,
): Promise<StoredJob | null> {
  const { rows } = await db.query<JobRow>(
    `INSERT INTO audit.verification_jobs (id, started_by, status, checks)
     VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
    [job.id, job.startedBy, job.status, JSON.stringify(job.checks)],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

export async function findJob(db: SqlExecutor, id: string): Promise<StoredJob | null> {
  // Anything but a uuid names no job (and would make the cast fail).
  if (!UUID.test(id)) return null;
  const { rows } = await db.query<JobRow>(
    `SELECT ${COLUMNS} FROM audit.verification_jobs WHERE id = $1`,
    [id],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

export async function findUnfinishedJob(db: SqlExecutor): Promise<StoredJob | null> {
  const { rows } = await db.query<JobRow>(
    `SELECT ${COLUMNS} FROM audit.verification_jobs WHERE finished_at IS NULL`,
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Writes the job's state (and `finished_at` when it has finished); null if the row is already finished. */
export async function saveJob(db: SqlExecutor, job: AuditJob): Promise<StoredJob | null> {
  const { rows } = await db.query<JobRow>(
    `WITH saved AS (
       UPDATE audit.verification_jobs
          SET status = $2, checks = $3::jsonb, report = $4::jsonb, error = $5,
              finished_at = CASE WHEN $6 THEN now() END,
              heartbeat_at = now(), version = version + 1
        WHERE id = $1 AND finished_at IS NULL
        RETURNING ${COLUMNS})
     SELECT saved.*, pg_notify('${JOBS_CHANNEL}', saved.id::text) FROM saved`,
    [
      job.id,
      job.status,
      JSON.stringify(job.checks),
      job.report === null ? null : JSON.stringify(job.report),
      job.error,
      job.status !== 'counting' && job.status !== 'running',
    ],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

/** Tells followers the run is alive (no new state, so no version bump or notification). */
export async function touchJob(db: SqlExecutor, id: string): Promise<void> {
  await db.query(
    `UPDATE audit.verification_jobs SET heartbeat_at = now() WHERE id = $1 AND finished_at IS NULL`,
    [id],
  );
}

/** Namespace of the run locks: `pg_advisory_xact_lock(RUN_LOCK, hashtext(job id))`. */
const RUN_LOCK = 4_242_002;

export interface RunLock {
  /** Ends the transaction that holds the lock. */
  release(): Promise<void>;
}

/**
 * On Postgres, holds the job's run lock until released, in a transaction left
 * open on one pooled connection. Taken before the row is inserted and released
 * after its last write, so an unfinished row whose lock is free has lost its
 * runner: the process died and Postgres ended its session.
 */
export async function lockRun(db: SqlDatabase, id: string): Promise<RunLock> {
  let release = () => undefined as void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked = () => undefined as void;
  const ready = new Promise<void>((resolve) => (locked = resolve));
  const held = db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [RUN_LOCK, id]);
    locked();
    await released;
  });
  await Promise.race([ready, held]);
  return {
    async release() {
      release();
      await held.catch(() => undefined);
    },
  };
}

/**
 * Marks unfinished jobs whose runner is gone as interrupted: nobody holds their
 * run lock (with `runLocks`, on Postgres), or nothing heard of them for
 * `silentForMs` (0: every unfinished job). Returns their ids.
 */
export async function interruptAbandonedJobs(
  db: SqlExecutor,
  silentForMs: number,
  options: { onlyId?: string; runLocks?: boolean } = {},
): Promise<string[]> {
  // CASE, not AND: the lock is only tried where run locks are kept (a try on
  // PGlite's single session always succeeds), and is released at commit.
  const { rows } = await db.query<{ id: string }>(
    `WITH stopped AS (
       UPDATE audit.verification_jobs
          SET status = 'interrupted', finished_at = now(), error = $2, version = version + 1
        WHERE finished_at IS NULL
          AND ($3::uuid IS NULL OR id = $3::uuid)
          AND (heartbeat_at <= now() - make_interval(secs => $1::float8 / 1000)
               OR CASE WHEN $4 THEN pg_try_advisory_xact_lock($5, hashtext(id::text)) ELSE false END)
        RETURNING id)
     SELECT stopped.id, pg_notify('${JOBS_CHANNEL}', stopped.id::text) FROM stopped`,
    [silentForMs, INTERRUPTED_MESSAGE, options.onlyId ?? null, options.runLocks ?? false, RUN_LOCK],
  );
  return rows.map((r) => r.id);
}
