// The read models and how the server runs them: `allProjections` in the
// order they are installed, and `startProjections`, which installs missing
// tables, rebuilds any read model whose stored version differs from its code,
// starts one runner per read model, and offers read-your-writes waits.

import type { SqlDatabase } from '../db/sql.ts';
import type { EventStore } from '../eventstore/port.ts';
import { accountsProjection } from './accounts/index.ts';
import { activityProjection } from './activity/index.ts';
import { billRunsProjection } from './billruns/index.ts';
import { billsProjection } from './bills/index.ts';
import { inventoryProjection } from './inventory/index.ts';
import { propertiesProjection } from './properties/index.ts';
import { readingsProjection } from './readings/index.ts';
import { receivablesProjection } from './receivables/index.ts';
import { regionsProjection } from './regions/index.ts';
import { rebuildProjections } from './rebuild.ts';
import { startRunner, type ProjectionRunner } from './runner.ts';
import { ensureReadSchema, installProjection } from './schema.ts';
import { ticketsProjection } from './tickets/index.ts';
import type { Projection } from './types.ts';
import { waitForPosition } from './wait.ts';

export const allProjections: Projection[] = [
  accountsProjection,
  propertiesProjection,
  inventoryProjection,
  readingsProjection,
  billsProjection,
  receivablesProjection,
  ticketsProjection,
  billRunsProjection,
  activityProjection,
  regionsProjection,
];

export const projectionNames = allProjections.map((p) => p.name);

export function findProjections(names: string[]): Projection[] {
  return names.map((name) => {
    const found = allProjections.find((p) => p.name === name);
    if (!found) {
      throw new Error(`unknown read model ${name}; known: ${projectionNames.join(', ')}`);
    }
    return found;
  });
}

export interface StartProjectionsOptions {
  store: EventStore;
  readDb: SqlDatabase;
  projections?: Projection[];
  batchSize?: number;
  onError?: (error: unknown, projection: string) => void;
  /** After each committed batch of a runner (health tracking). */
  onCommit?: (projection: string, position: string) => void;
}

export interface RunningProjections {
  runners: ProjectionRunner[];
  /** Resolves once every runner has applied what was in the log when it started. */
  caughtUp: Promise<void>;
  /**
   * Read-your-writes: true once the named read models (default: all) have
   * applied `position`; false after `timeoutMs` (default 5 s).
   */
  waitFor(
    position: string,
    options?: { projections?: string[]; timeoutMs?: number },
  ): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startProjections(
  options: StartProjectionsOptions,
): Promise<RunningProjections> {
  const { store, readDb, projections = allProjections } = options;
  await ensureReadSchema(readDb);
  const stale: Projection[] = [];
  for (const projection of projections) {
    if ((await installProjection(readDb, projection)) === 'stale') stale.push(projection);
  }
  if (stale.length > 0) await rebuildProjections({ store, readDb, projections: stale });
  const runners: ProjectionRunner[] = [];
  for (const projection of projections) {
    runners.push(
      await startRunner({
        store,
        readDb,
        projection,
        batchSize: options.batchSize,
        onError: options.onError,
        onCommit: options.onCommit,
      }),
    );
  }
  const names = projections.map((p) => p.name);
  return {
    runners,
    caughtUp: Promise.all(runners.map((r) => r.caughtUp)).then(() => undefined),
    waitFor: (position, waitOptions = {}) =>
      waitForPosition(readDb, waitOptions.projections ?? names, position, {
        comparePositions: (a, b) => store.comparePositions(a, b),
        timeoutMs: waitOptions.timeoutMs,
      }),
    stop: async () => {
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}
