-- Verification jobs (src/audit/jobs.ts): one row per run, written by the web
-- process that runs it and read by any instance. Applied at every start,
-- idempotently (job-table.ts), so a restore that leaves the `audit` schema
-- out (job history, not ledger) gets an empty table back. `version` grows
-- with every write so followers skip states they have already sent;
-- `heartbeat_at` is touched while the run is alive, so a row whose process
-- died is seen as interrupted instead of running forever.
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.verification_jobs (
  id uuid PRIMARY KEY,
  started_by text NOT NULL,
  status text NOT NULL
    CHECK (status IN ('counting', 'running', 'passed', 'failed', 'error', 'interrupted')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  checks jsonb NOT NULL,
  report jsonb,
  error text,
  CONSTRAINT verification_jobs_finished_status
    CHECK ((finished_at IS NULL) = (status IN ('counting', 'running')))
);

-- One unfinished job at a time, across every instance.
CREATE UNIQUE INDEX IF NOT EXISTS verification_jobs_one_unfinished
  ON audit.verification_jobs ((finished_at IS NULL)) WHERE finished_at IS NULL;

CREATE INDEX IF NOT EXISTS verification_jobs_started_at ON audit.verification_jobs (started_at DESC);
