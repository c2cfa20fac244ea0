// Read-your-writes: a command returns the log position it wrote; a query that
// must show that write first waits, bounded, until the read models it reads
// have applied that position. Woken by the NOTIFY each committed batch sends,
// with polling as the fallback (a lost notification only costs one interval).

import type { SqlDatabase } from '../db/sql.ts';
import { CHECKPOINT_CHANNEL } from './types.ts';

export interface WaitOptions {
  /** The store's position order (positions are opaque). */
  comparePositions: (a: string, b: string) => number;
  /** Give up after this long and resolve `false` (default 5 s). */
  timeoutMs?: number;
  /** Re-check this often even without a notification (default 250 ms). */
  pollIntervalMs?: number;
}

/** Thrown by `requirePosition` when the read models did not catch up in time. */
export class ProjectionLagError extends Error {
  readonly code = 'PROJECTION_LAG';
  constructor(
    readonly projections: string[],
    readonly position: string,
  ) {
    super(`read models ${projections.join(', ')} did not reach ${position} in time`);
    this.name = 'ProjectionLagError';
  }
}

/** True when every named read model's checkpoint is at or past `position`. */
export async function checkpointsReached(
  readDb: Pick<SqlDatabase, 'query'>,
  names: string[],
  position: string,
  comparePositions: (a: string, b: string) => number,
): Promise<boolean> {
  const { rows } = await readDb.query<{ name: string; position: string | null }>(
    'SELECT name, position FROM read.checkpoints WHERE name = ANY($1)',
    [names],
  );
  const reached = new Set(
    rows
      .filter((r) => r.position !== null && comparePositions(r.position, position) >= 0)
      .map((r) => r.name),
  );
  return names.every((name) => reached.has(name));
}

// One LISTEN per read database, shared by every waiter: a LISTEN holds a pool
// connection, and a connection per waiting request would starve the runners.
interface SharedListener {
  wakers: Set<(name: string) => void>;
  unlisten: Promise<(() => Promise<void>) | null>;
}
const listeners = new WeakMap<SqlDatabase, SharedListener>();

function onCheckpoint(readDb: SqlDatabase, wake: (name: string) => void): () => void {
  let shared = listeners.get(readDb);
  if (!shared) {
    const wakers = new Set<(name: string) => void>();
    // LISTEN failing (e.g. no free connection) leaves polling to do the work.
    const unlisten = readDb
      .listen(CHECKPOINT_CHANNEL, (name) => wakers.forEach((w) => w(name)))
      .catch(() => null);
    shared = { wakers, unlisten };
    listeners.set(readDb, shared);
  }
  const current = shared;
  current.wakers.add(wake);
  return () => {
    current.wakers.delete(wake);
    if (current.wakers.size > 0) return;
    listeners.delete(readDb);
    void current.unlisten.then((stop) => stop?.());
  };
}

export async function waitForPosition(
  readDb: SqlDatabase,
  projectionNames: string[],
  position: string,
  { comparePositions, timeoutMs = 5000, pollIntervalMs = 250 }: WaitOptions,
): Promise<boolean> {
  const check = () => checkpointsReached(readDb, projectionNames, position, comparePositions);
  if (await check()) return true;
  const deadline = Date.now() + timeoutMs;
  let wake: (() => void) | null = null;
  const stopListening = onCheckpoint(readDb, (name) => {
    if (projectionNames.includes(name)) wake?.();
  });
  try {
    // A NOTIFY sent before the shared LISTEN is active is covered by the polling interval.
    while (!(await check())) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, pollIntervalMs));
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
    return true;
  } finally {
    stopListening();
  }
}

/** Like `waitForPosition`, but throws ProjectionLagError on timeout. */
export async function requirePosition(
  readDb: SqlDatabase,
  projectionNames: string[],
  position: string,
  options: WaitOptions,
): Promise<void> {
  if (!(await waitForPosition(readDb, projectionNames, position, options))) {
    throw new ProjectionLagError(projectionNames, position);
  }
}
