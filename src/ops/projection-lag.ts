// How far each read model stands behind the log, for /ready and /metrics.
// Lag is the age of the oldest event a read model has not applied yet (one
// `readAll` of limit 1 per distinct checkpoint), so it needs no numeric
// positions and reads the same on Postgres and KurrentDB. A runner that
// reported an error and has not committed since is "failing" while it still
// has something to apply.

import type { SqlExecutor } from '../db/sql.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { ProjectionLag } from './metrics.ts';

/** Fed by the projection runners' onError / onCommit callbacks. */
export class ProjectionFailures {
  private readonly failing = new Set<string>();

  failed(projection: string): void {
    this.failing.add(projection);
  }

  committed(projection: string): void {
    this.failing.delete(projection);
  }

  has(projection: string): boolean {
    return this.failing.has(projection);
  }
}

export interface ProjectionLagOptions {
  store: Pick<EventStore, 'readAll'>;
  readDb: SqlExecutor;
  projections: string[];
  failures?: ProjectionFailures;
  clock?: () => number;
}

export function projectionLagSource(options: ProjectionLagOptions): () => Promise<ProjectionLag[]> {
  const { store, readDb, projections, failures, clock = Date.now } = options;
  return async () => {
    const { rows } = await readDb.query<{ name: string; position: string | null }>(
      'SELECT name, position FROM read.checkpoints WHERE name = ANY($1)',
      [projections],
    );
    const positions = new Map(rows.map((r) => [r.name, r.position]));
    // Read models at the same checkpoint (usually all of them) share one read.
    const oldestUnapplied = new Map<string | null, Promise<number | null>>();
    const oldest = (position: string | null) => {
      let found = oldestUnapplied.get(position);
      if (!found) {
        found = store
          .readAll({ ...(position === null ? {} : { after: position }), limit: 1 })
          .then((events) => events[0]?.recordedAt.getTime() ?? null);
        oldestUnapplied.set(position, found);
      }
      return found;
    };
    const now = clock();
    return Promise.all(
      projections.map(async (projection) => {
        if (!positions.has(projection)) {
          // Not installed yet: it has applied nothing, whatever the log holds.
          return { projection, lagMs: lagOf(await oldest(null), now), failing: false };
        }
        const unapplied = await oldest(positions.get(projection) ?? null);
        const lagMs = lagOf(unapplied, now);
        return {
          projection,
          lagMs,
          failing: unapplied !== null && (failures?.has(projection) ?? false),
        };
      }),
    );
  };
}

const lagOf = (recordedAt: number | null, now: number) =>
  recordedAt === null ? 0 : Math.max(0, now - recordedAt);
