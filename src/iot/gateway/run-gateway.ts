// Wires one gateway on an event store: the shared meter-state cache, the
// store-backed directory and group-commit sink, the WebSocket server, the
// follower that drops sessions of disabled or re-keyed meters, and the
// bill-run fan-out. `ledger gateway` runs it as its own process; the web
// server calls `runGateway` to embed it. Several may run on one store.

import type { Server as HttpServer } from 'node:http';
import { storeBillingPorts, type BillingDeps } from '../../commands/billing.ts';
import type { EventStore, Subscription } from '../../eventstore/port.ts';
import { BillRunFanOut } from '../billrun/fanout.ts';
import { followMeters, StoreMeterDirectory } from '../ingest/directory.ts';
import { MeterStates } from '../ingest/meter-states.ts';
import { StoreReadingSink } from '../ingest/store-sink.ts';
import { VerifyPool } from '../verify/pool.ts';
import type { ReadingVerifier } from '../verify/types.ts';
import type { ReadingObserver } from '../session/ports.ts';
import { startGatewayServer, type GatewayServer } from './server.ts';

export interface GatewayConfig {
  gatewayId: string;
  /** The gateway's long-term secp256k1 private key (meters pin its public key). */
  gatewayPrivateKey: Uint8Array;
  /** Attach to this HTTP server (embedded mode); otherwise listen on host:port. */
  server?: HttpServer;
  host?: string;
  port?: number;
  /** Verify worker threads (default: one per core). */
  verifyWorkers?: number;
  /** Group commit: longest wait (ms) and batch size that writes at once. */
  flushIntervalMs?: number;
  maxBatch?: number;
  /** Group-commit transactions in flight at once. */
  maxInFlight?: number;
  /** Bill-run fan-out on (default) or off (an ingest-only gateway). */
  billRuns?: boolean;
  /** On close, longest wait for readings being handled to commit and ack (default 5 s). */
  drainTimeoutMs?: number;
  closeJitterMs?: number;
  connectPollMs?: number;
  clock?: () => number;
}

export interface GatewayDeps {
  store: EventStore;
  /** Defaults to a worker pool of `verifyWorkers`; closed with the gateway only if created here. */
  verifier?: ReadingVerifier;
  billing?: BillingDeps;
  onError?: (error: unknown) => void;
  /** Told what happens to readings, verifications and group commits (metrics). */
  observer?: GatewayObserver;
}

export interface GatewayObserver extends ReadingObserver {
  /** One signature verification as the session waited for it. */
  verified(seconds: number): void;
  /** One group commit: events written and the transaction's time. */
  batchCommitted(readings: number, seconds: number): void;
}

/**
 * The verifier, timing each call for the observer: the verifier's own promise
 * with a reaction, not an async wrapper's extra promise and ticks per reading.
 */
const timed = (verifier: ReadingVerifier, observer: GatewayObserver): ReadingVerifier => ({
  kind: verifier.kind,
  verify(item) {
    const started = performance.now();
    const done = () => observer.verified((performance.now() - started) / 1000);
    const verified = verifier.verify(item);
    verified.then(done, done);
    return verified;
  },
  close: () => verifier.close(),
});

export interface RunningGateway {
  server: GatewayServer;
  sink: StoreReadingSink;
  fanOut: BillRunFanOut | undefined;
  url: string | undefined;
  /**
   * Stops taking meters and frames, lets frames being handled commit and ack,
   * closes sessions (1001), writes what is still queued, then releases what it opened.
   */
  close(): Promise<void>;
}

export async function runGateway(
  config: GatewayConfig,
  deps: GatewayDeps,
): Promise<RunningGateway> {
  const { store, observer } = deps;
  const onError = deps.onError ?? (() => {});
  const meters = new MeterStates(store);
  const directory = new StoreMeterDirectory(meters);
  const ownVerifier = deps.verifier === undefined;
  const verifier =
    deps.verifier ??
    (await VerifyPool.start({ ...(config.verifyWorkers ? { size: config.verifyWorkers } : {}) }));
  let fanOut: BillRunFanOut | undefined;
  const sink = new StoreReadingSink({
    store,
    gatewayId: config.gatewayId,
    meters,
    runIdFor: (requestId) => fanOut?.runIdFor(requestId) ?? null,
    onAnswer: (stored) => fanOut?.onAnswer(stored),
    ...(config.clock ? { clock: config.clock } : {}),
    ...(config.flushIntervalMs ? { flushIntervalMs: config.flushIntervalMs } : {}),
    ...(config.maxBatch ? { maxBatch: config.maxBatch } : {}),
    ...(config.maxInFlight ? { maxInFlight: config.maxInFlight } : {}),
    ...(observer ? { onCommitted: (n: number, s: number) => observer.batchCommitted(n, s) } : {}),
  });
  const server = await startGatewayServer({
    gatewayId: config.gatewayId,
    gatewayPrivateKey: config.gatewayPrivateKey,
    directory,
    sink,
    verifier: observer ? timed(verifier, observer) : verifier,
    ...(observer ? { observer } : {}),
    ...(config.server ? { server: config.server } : {}),
    ...(config.host ? { host: config.host } : {}),
    ...(config.port !== undefined ? { port: config.port } : {}),
    ...(config.clock ? { clock: config.clock } : {}),
    ...(config.drainTimeoutMs !== undefined ? { drainTimeoutMs: config.drainTimeoutMs } : {}),
  });
  let follower: Subscription | undefined;
  try {
    follower = await followMeters({
      store,
      meters,
      directory,
      disconnect: (meterId, code) => server.disconnectMeter(meterId, code),
      onError,
    });
    if (config.billRuns !== false) {
      fanOut = new BillRunFanOut({
        store,
        billing: deps.billing ?? { store, ports: storeBillingPorts(store) },
        gatewayId: config.gatewayId,
        gateway: server,
        onError,
        ...(config.clock ? { clock: config.clock } : {}),
        ...(config.closeJitterMs !== undefined ? { closeJitterMs: config.closeJitterMs } : {}),
        ...(config.connectPollMs ? { connectPollMs: config.connectPollMs } : {}),
      });
      await fanOut.start();
    }
  } catch (error) {
    await follower?.stop();
    await server.close();
    if (ownVerifier) await verifier.close();
    throw error;
  }
  return {
    server,
    sink,
    fanOut,
    url: server.url,
    async close() {
      await server.close();
      await sink.drain();
      await fanOut?.close();
      await follower?.stop();
      if (ownVerifier) await verifier.close();
    },
  };
}
