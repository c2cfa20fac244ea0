// The process's Prometheus metrics: one prom-client Registry per process (never
// the global default, so a test can build several apps side by side) and every
// metric the ledger exports. Code elsewhere never imports prom-client: it gets
// narrow callbacks (GatewayObserver, the HTTP hook) or is polled at scrape
// time through the `watch*` sources below.

import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
} from 'prom-client';
import type { GatewayObserver } from '../iot/gateway/run-gateway.ts';

/** Lag of one read model: how old the oldest event it has not applied yet is. */
export interface ProjectionLag {
  projection: string;
  /** 0 when the read model has applied everything in the log. */
  lagMs: number;
  /** Its runner reported an error and has not committed since. */
  failing: boolean;
}

/** Counts of one open bill run, as the billruns read model holds them. */
export interface BillRunProgress {
  runId: string;
  total: number;
  asked: number;
  answered: number;
  billed: number;
  missed: number;
}

export interface Metrics {
  readonly registry: Registry;
  /** Feeds the gateway's counters and histograms (pass to runGateway). */
  readonly gateway: GatewayObserver;
  /** One finished HTTP request; `route` is the route pattern, never the raw URL. */
  httpRequest(method: string, route: string, statusCode: number, seconds: number): void;
  watchConnectedMeters(count: () => number): void;
  watchProjections(lag: () => Promise<ProjectionLag[]>): void;
  watchBillRuns(progress: () => Promise<BillRunProgress[]>): void;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 200, 300, 400, 500, 1000];
const BILL_RUN_COUNTS = ['total', 'asked', 'answered', 'billed', 'missed'] as const;

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const http = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const ingested = new Counter({
    name: 'meter_readings_ingested_total',
    help: 'Readings stored and acked to the meter',
    registers,
  });
  const rejected = new Counter({
    name: 'meter_readings_rejected_total',
    help: 'Readings refused, by protocol error code',
    labelNames: ['reason'] as const,
    registers,
  });
  const verify = new Histogram({
    name: 'meter_signature_verify_seconds',
    help: 'Signature verification time as the gateway waits for it (queue + worker)',
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const batchSize = new Histogram({
    name: 'ingest_append_batch_readings',
    help: 'Readings written by one group commit',
    buckets: BATCH_BUCKETS,
    registers,
  });
  const commit = new Histogram({
    name: 'ingest_append_commit_seconds',
    help: 'Time of one group-commit transaction',
    buckets: SECONDS_BUCKETS,
    registers,
  });

  const meterSources: (() => number)[] = [];
  new Gauge({
    name: 'meters_connected',
    help: 'Meters with an authenticated session on this process',
    registers,
    collect() {
      this.set(meterSources.reduce((sum, count) => sum + count(), 0));
    },
  });

  const projectionSources: (() => Promise<ProjectionLag[]>)[] = [];
  const failing = new Gauge({
    name: 'projection_failing',
    help: '1 while a read model runner is failing (error since its last commit)',
    labelNames: ['projection'] as const,
    registers,
  });
  new Gauge({
    name: 'projection_lag_seconds',
    help: 'Age of the oldest event a read model has not applied yet (0: at the head)',
    labelNames: ['projection'] as const,
    registers,
    async collect() {
      this.reset();
      failing.reset();
      for (const source of projectionSources) {
        for (const lag of await source()) {
          this.set({ projection: lag.projection }, lag.lagMs / 1000);
          failing.set({ projection: lag.projection }, lag.failing ? 1 : 0);
        }
      }
    },
  });

  const billRunSources: (() => Promise<BillRunProgress[]>)[] = [];
  new Gauge({
    name: 'bill_run_meters',
    help: 'Meters of each open bill run by state (total, asked, answered, billed, missed)',
    labelNames: ['run_id', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      for (const source of billRunSources) {
        for (const run of await source()) {
          for (const state of BILL_RUN_COUNTS) this.set({ run_id: run.runId, state }, run[state]);
        }
      }
    },
  });

  return {
    registry,
    gateway: {
      readingIngested: () => ingested.inc(),
      readingRejected: (code) => rejected.inc({ reason: code }),
      verified: (seconds) => verify.observe(seconds),
      batchCommitted: (readings, seconds) => {
        batchSize.observe(readings);
        commit.observe(seconds);
      },
    },
    httpRequest(method, route, statusCode, seconds) {
      const labels: LabelValues<'method' | 'route' | 'status_class'> = {
        method,
        route,
        status_class: `${Math.floor(statusCode / 100)}xx`,
      };
      http.observe(labels, seconds);
    },
    watchConnectedMeters: (count) => void meterSources.push(count),
    watchProjections: (lag) => void projectionSources.push(lag),
    watchBillRuns: (progress) => void billRunSources.push(progress),
  };
}
