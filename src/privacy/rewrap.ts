// Re-wrapping subject keys under the current master key (`ledger
// rotate-vault-key`). Only the wrapping changes: each person's data key stays
// the same, so sealed events and keys cached by running servers stay valid.
// Batches walk the table in subject order; each row is written only if it is
// still wrapped under the key it was read with, so a forget (key cleared) or
// another rotation landing meanwhile wins, and a run stopped anywhere resumes
// by running again.

import type { SqlDatabase } from '../db/sql.ts';
import type { MasterKeyring } from './master-keys.ts';

/** Live subject keys wrapped under one master key id (null: before ids were recorded). */
export interface WrappedKeyCount {
  keyId: string | null;
  keys: number;
}

export interface RewrapResult {
  /** Rows this run re-wrapped. */
  rewrapped: number;
  /** Rows forgotten or re-wrapped by someone else between read and write. */
  skipped: number;
}

export interface RewrapOptions {
  db: SqlDatabase;
  keyring: MasterKeyring;
  /** Rows per read and per update; default 500. */
  batchSize?: number;
  /** After each batch, with the rows handled so far (re-wrapped or skipped). */
  onProgress?: (handled: number) => void;
}

const STALE = 'wrapped_key IS NOT NULL AND key_id IS DISTINCT FROM $1';

export async function countWrappedKeys(db: SqlDatabase): Promise<WrappedKeyCount[]> {
  const { rows } = await db.query<{ key_id: string | null; keys: string | number }>(
    `SELECT key_id, count(*) AS keys FROM privacy.subject_keys
     WHERE wrapped_key IS NOT NULL GROUP BY key_id ORDER BY key_id NULLS FIRST`,
  );
  return rows.map((r) => ({ keyId: r.key_id, keys: Number(r.keys) }));
}

/** How many live subject keys are not yet wrapped under `currentId`. */
export async function countStaleKeys(db: SqlDatabase, currentId: string): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM privacy.subject_keys WHERE ${STALE}`,
    [currentId],
  );
  return Number(rows[0]!.n);
}

type StaleRow = { subject: string; wrapped_key: Uint8Array; key_id: string | null };

/**
 * Re-wraps every live subject key not under the keyring's current key. Throws
 * the VaultError of the first row no configured key unwraps (naming its key
 * id); the batches before it are kept.
 */
export async function rewrapSubjectKeys(options: RewrapOptions): Promise<RewrapResult> {
  const { db, keyring } = options;
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('the batch size must be a positive integer');
  const result: RewrapResult = { rewrapped: 0, skipped: 0 };
  let after = '';
  for (;;) {
    const { rows } = await db.query<StaleRow>(
      `SELECT subject, wrapped_key, key_id FROM privacy.subject_keys
       WHERE subject > $2 AND ${STALE} ORDER BY subject LIMIT $3`,
      [keyring.currentId, after, batchSize],
    );
    if (rows.length === 0) return result;
    const rewrapped = rows.map((row) => {
      const dataKey = keyring.unwrap(row.subject, row.wrapped_key, row.key_id);
      const { wrapped } = keyring.wrap(row.subject, dataKey);
      dataKey.fill(0);
      return wrapped;
    });
    const updated = await db.query<{ subject: string }>(
      `UPDATE privacy.subject_keys AS k SET wrapped_key = u.wrapped, key_id = $1
       FROM unnest($2::text[], $3::bytea[], $4::text[]) AS u(subject, wrapped, old_key_id)
       WHERE k.subject = u.subject AND k.wrapped_key IS NOT NULL
         AND k.key_id IS NOT DISTINCT FROM u.old_key_id
       RETURNING k.subject`,
      [keyring.currentId, rows.map((r) => r.subject), rewrapped, rows.map((r) => r.key_id)],
    );
    result.rewrapped += updated.rows.length;
    result.skipped += rows.length - updated.rows.length;
    after = rows.at(-1)!.subject;
    options.onProgress?.(result.rewrapped + result.skipped);
  }
}
