// Where a loaded server's time goes, measured inside its process while a
// benchmark window is open: event-loop delay (how long a ready callback
// waited for the loop), the read pool's queue (sampled every 20 ms) and the
// statements it sent (round trips: a measure of database work that other
// load on the machine does not disturb), and each
// route's latency as the server saw it, taken from its one log line per
// request (`logStream` below replaces /dev/null). Comparing the server's
// latency with the client's tells queueing in the loop from slow handlers.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { PoolStats, SqlDatabase } from '../../src/db/sql.ts';

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ServerTrace {
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Pool samples: how often anything waited, the mean and largest queue. */
  pool: {
    samples: number;
    busyPct: number;
    waitingPct: number;
    meanWaiting: number;
    maxWaiting: number;
  };
  /** Statements the pool sent per second (BEGIN and COMMIT included). */
  dbStatementsPerSec: number;
  /** Server-side latency per `METHOD route` (ms). */
  routes: Record<string, Percentiles>;
}

export const percentiles = (values: number[]): Percentiles => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
};

/** Collects the app's request lines (level info); hand `logStream` to the app. */
export function requestLogCollector() {
  let recording = false;
  const routes = new Map<string, number[]>();
  return {
    logStream: {
      write(line: string) {
        if (!recording || !line.includes('"msg":"request')) return;
        const { method, route, ms } = JSON.parse(line) as {
          method: string;
          route: string;
          ms: number;
        };
        const key = `${method} ${route}`;
        const list = routes.get(key) ?? [];
        list.push(ms);
        routes.set(key, list);
      },
    },
    start: () => void (recording = true),
    stop(): Record<string, Percentiles> {
      recording = false;
      return Object.fromEntries([...routes].map(([route, ms]) => [route, percentiles(ms)]));
    },
  };
}

/** Starts the loop and pool monitors; `stop` returns what they saw. */
export function startServerTrace(db: Pick<SqlDatabase, 'poolStats'>) {
  const statements0 = db.poolStats?.().statements ?? 0;
  const t0 = performance.now();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const samples: PoolStats[] = [];
  const timer = setInterval(() => {
    const stats = db.poolStats?.();
    if (stats) samples.push(stats);
  }, 20);
  return {
    stop(): Omit<ServerTrace, 'routes'> {
      clearInterval(timer);
      loop.disable();
      const seconds = (performance.now() - t0) / 1000;
      const statements = (db.poolStats?.().statements ?? 0) - statements0;
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      const n = Math.max(1, samples.length);
      const pct = (count: number) => Math.round((count / n) * 100);
      return {
        dbStatementsPerSec: Math.round(statements / seconds),
        eventLoopDelayMs: {
          p50: ms(loop.percentile(50)),
          p99: ms(loop.percentile(99)),
          max: ms(loop.max),
        },
        pool: {
          samples: samples.length,
          busyPct: pct(samples.filter((s) => s.idle === 0).length),
          waitingPct: pct(samples.filter((s) => s.waiting > 0).length),
          meanWaiting: Math.round((samples.reduce((a, s) => a + s.waiting, 0) / n) * 10) / 10,
          maxWaiting: Math.max(0, ...samples.map((s) => s.waiting)),
        },
      };
    },
  };
}
