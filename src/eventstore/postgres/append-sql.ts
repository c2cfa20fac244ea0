// The three statements of an append round: lock the streams, look up event ids
// already stored, and insert a batch (events via `unnest`, stream heads, the
// wake-up NOTIFY) in one statement. Hashes are chained here, in memory, from
// each stream's locked last hash.

import type { SqlExecutor } from '../../db/sql.ts';
import type { AppendResult } from '../port.ts';
import type { PreparedAppend } from './append.ts';
import { type ChainedBatch, chainBatch, integerArray, jsonArray, textArray } from './batch.ts';
import { encodePosition } from './positions.ts';

export interface StreamHead {
  revision: number;
  lastHash: string;
}

export interface StoredId {
  stream: string;
  revision: number;
  txid: string;
  position: string;
}

/**
 * Locks the rows of `streams` (sorted, so two group commits cannot deadlock),
 * creating missing ones at revision -1. `ON CONFLICT DO UPDATE` takes the row
 * lock and returns the latest committed head in a single statement.
 */
export async function lockStreams(
  tx: SqlExecutor,
  streams: string[],
  genesisHash: string,
): Promise<Map<string, StreamHead>> {
  const { rows } = await tx.query<{ stream: string; revision: number | string; last_hash: string }>(
    `INSERT INTO streams (stream, revision, last_hash)
     SELECT s, -1, $2 FROM unnest($1::text[]) AS s ORDER BY s
     ON CONFLICT (stream) DO UPDATE SET revision = streams.revision
     RETURNING stream, revision, last_hash`,
    [streams, genesisHash],
  );
  return new Map(
    rows.map((row) => [row.stream, { revision: Number(row.revision), lastHash: row.last_hash }]),
  );
}

export async function storedIds(
  tx: SqlExecutor,
  appends: PreparedAppend[],
): Promise<Map<string, StoredId>> {
  const ids = appends.flatMap((append) => append.events.map((event) => event.id));
  const { rows } = await tx.query<{
    id: string;
    stream: string;
    revision: number | string;
    txid: string;
    position: string;
  }>(
    `SELECT id::text AS id, stream, revision, transaction_id::text AS txid, position::text AS position
     FROM events WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, { ...row, revision: Number(row.revision) }]));
}

/**
 * Inserts the accepted appends, moves their stream heads, drops stream rows
 * this round created only to lock them, and queues a NOTIFY (sent on commit).
 */
export async function insertEvents(
  tx: SqlExecutor,
  accepted: PreparedAppend[],
  headOf: (stream: string) => StreamHead,
  createdButRejected: string[],
  channel: string,
): Promise<Map<string, Written>> {
  if (accepted.length === 0) {
    if (createdButRejected.length > 0) {
      await tx.query('DELETE FROM streams WHERE stream = ANY($1::text[]) AND revision = -1', [
        createdButRejected,
      ]);
    }
    return new Map();
  }
  const { cols, heads } = chainBatch(accepted, headOf);
  const { rows } = await tx.query<{ stream: string; position: string; txid: string }>(
    `WITH inserted AS (
       INSERT INTO events (stream, revision, id, type, data, metadata, prev_hash, hash)
       SELECT e.stream, e.revision, e.id, e.type, $5::jsonb -> (e.n - 1)::int,
              $6::jsonb -> (e.n - 1)::int, e.prev_hash, e.hash
       FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS e(stream, revision, id, type, prev_hash, hash, n)
       ORDER BY e.n -- positions follow revisions
       RETURNING stream, position
     ), moved AS (
       UPDATE streams s SET revision = h.revision, last_hash = h.hash
       FROM unnest($9::text[], $10::bigint[], $11::text[]) AS h(stream, revision, hash)
       WHERE s.stream = h.stream
     ), dropped AS (
       DELETE FROM streams WHERE stream = ANY($12::text[]) AND revision = -1
     )
     SELECT i.stream, max(i.position)::text AS position, pg_current_xact_id()::text AS txid
     FROM inserted i CROSS JOIN (SELECT pg_notify($13, '')) AS wake
     GROUP BY i.stream`,
    [
      textArray(cols.stream),
      integerArray(cols.revision),
      textArray(cols.id),
      textArray(cols.type),
      jsonArray(cols.data),
      jsonArray(cols.metadata),
      textArray(cols.prevHash),
      textArray(cols.hash),
      textArray(heads.stream),
      integerArray(heads.revision),
      textArray(heads.hash),
      createdButRejected,
      channel,
    ],
  );
  return writtenHeads(rows, heads);
}

/** What an append wrote: the port's result, and the stream head it left (for the head cache). */
export interface Written {
  result: AppendResult;
  head: StreamHead;
}

export function writtenHeads(
  rows: { stream: string; position: string; txid: string }[],
  heads: ChainedBatch['heads'],
): Map<string, Written> {
  const index = new Map(heads.stream.map((stream, i) => [stream, i]));
  return new Map(
    rows.map((row) => {
      const i = index.get(row.stream)!;
      const revision = heads.revision[i]!;
      const written: Written = {
        result: { nextRevision: revision, position: encodePosition(row.txid, row.position) },
        head: { revision, lastHash: heads.hash[i]! },
      };
      return [row.stream, written];
    }),
  );
}
