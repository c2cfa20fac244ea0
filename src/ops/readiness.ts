// What /ready checks beyond the event store: the read database answers, Redis
// answers (when configured), and no read model is failing or further behind
// than the configured bound. Each check resolves to what /ready reports under
// its name, or throws; a NotReady carries its own problem code and report.

import type { Redis } from 'ioredis';
import type { SqlExecutor } from '../db/sql.ts';
import type { ProjectionLag } from './metrics.ts';

export interface ReadinessCheck {
  /** Key of this check's report in the /ready body. */
  name: string;
  /** Problem code when the check throws anything but a NotReady. */
  code: string;
  /** Generic detail for that case (the error itself goes to the log only). */
  detail: string;
  run(): Promise<unknown>;
}

export class NotReady extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly report: unknown,
  ) {
    super(message);
    this.name = 'NotReady';
  }
}

export const readDbCheck = (readDb: SqlExecutor): ReadinessCheck => ({
  name: 'readDb',
  code: 'READ_DB_UNAVAILABLE',
  detail: 'The read database did not answer.',
  run: async () => {
    await readDb.query('SELECT 1');
    return 'ok';
  },
});

export const redisCheck = (redis: Pick<Redis, 'ping'>): ReadinessCheck => ({
  name: 'redis',
  code: 'REDIS_UNAVAILABLE',
  detail: 'Redis did not answer.',
  run: async () => {
    await redis.ping();
    return 'ok';
  },
});

export const projectionsCheck = (
  lag: () => Promise<ProjectionLag[]>,
  maxLagMs: number,
): ReadinessCheck => ({
  name: 'projections',
  code: 'READ_DB_UNAVAILABLE',
  detail: 'The read models could not be checked.',
  run: async () => {
    const lags = await lag();
    const report = Object.fromEntries(
      lags.map((l) => [l.projection, { lagMs: l.lagMs, failing: l.failing }]),
    );
    const failing = lags.filter((l) => l.failing).map((l) => l.projection);
    if (failing.length > 0)
      throw new NotReady(
        'PROJECTION_FAILING',
        `Read models failing: ${failing.join(', ')}.`,
        report,
      );
    const behind = lags.filter((l) => l.lagMs > maxLagMs).map((l) => l.projection);
    if (behind.length > 0)
      throw new NotReady(
        'PROJECTION_BEHIND',
        `Read models more than ${maxLagMs} ms behind: ${behind.join(', ')}.`,
        report,
      );
    return report;
  },
});
