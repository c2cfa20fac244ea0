// The vault's own table, outside the event store: one row per subject holding
// their data key wrapped under a master key, and that key's id (master-keys.ts;
// NULL on rows wrapped before ids were recorded). Forgetting a subject clears
// key and id and keeps the row as a tombstone, so "forgotten" (open gives null)
// stays distinguishable from "never existed" (a bug or the wrong database).

import type { SqlDatabase } from '../db/sql.ts';

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS privacy;
CREATE TABLE IF NOT EXISTS privacy.subject_keys (
  subject text PRIMARY KEY,
  wrapped_key bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  forgotten_at timestamptz,
  CONSTRAINT subject_keys_key_xor_forgotten CHECK ((wrapped_key IS NULL) = (forgotten_at IS NOT NULL))
);
-- No constraint ties key_id to wrapped_key: a server of the previous version,
-- still running during an upgrade, forgets without clearing key_id, and a NULL
-- wrapped_key means forgotten whatever key_id says.
ALTER TABLE privacy.subject_keys ADD COLUMN IF NOT EXISTS key_id text;
`;

/** Idempotent; safe to run from several processes at once. */
export async function migratePrivacy(db: SqlDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    // CREATE ... IF NOT EXISTS still races on the catalog when two processes run it together.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('meterledger:privacy-migrate'))`, []);
    await tx.query(SCHEMA);
  });
}
