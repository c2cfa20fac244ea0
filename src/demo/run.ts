// The demo running: the seeded gateway embedded in the web server, the
// simulated fleet of the approved properties' meters connecting to it, and
// the first bill run. The fleet resumes where the ledger left each meter
// (its last stored seq and register), draws DEMO_SPEEDUP times its load
// curve so consumption visibly grows while someone watches, sends a reading
// every READING_EVERY_MS and answers bill-run read requests.

import type { Server as HttpServer } from 'node:http';
import { Fleet } from '../../devices/fleet.ts';
import { startBillRun, storeBillingPorts } from '../commands/billing.ts';
import { loadMeter } from '../commands/inventory.ts';
import type { EventStore } from '../eventstore/port.ts';
import {
  runGateway,
  type GatewayObserver,
  type RunningGateway,
} from '../iot/gateway/run-gateway.ts';
import { IOT_PATH } from '../iot/protocol/constants.ts';
import { demoId } from './files.ts';
import type { DemoSeed } from './seed.ts';
import { demoTimeline } from './timeline.ts';

/** A minute of simulated use draws what half an hour of real use would. */
export const DEMO_SPEEDUP = 30;
export const READING_EVERY_MS = 10_000;
/** How long the first bill run waits for answers before it closes and bills. */
export const FIRST_RUN_WINDOW_MS = 20_000;

export function startDemoGateway(
  seed: DemoSeed,
  deps: {
    store: EventStore;
    server: HttpServer;
    onError: (error: unknown) => void;
    observer?: GatewayObserver;
  },
): Promise<RunningGateway> {
  const { store, server, onError, observer } = deps;
  return runGateway(
    // No close jitter: this is the only gateway, nobody to take turns with.
    { gatewayId: seed.gatewayId, gatewayPrivateKey: seed.gatewayKey, server, closeJitterMs: 0 },
    {
      store,
      billing: { store, ports: storeBillingPorts(store) },
      onError,
      ...(observer ? { observer } : {}),
    },
  );
}

export interface DemoFleet {
  fleet: Fleet;
  stop(): Promise<void>;
}

/** `httpUrl` is the web server's own URL; the gateway shares its port. */
export async function startDemoFleet(
  seed: DemoSeed,
  deps: { store: EventStore; httpUrl: string },
): Promise<DemoFleet> {
  const specs = await Promise.all(
    seed.meters.map(async (m) => {
      const state = await loadMeter(deps.store, m.meterId);
      const last = state.status === 'none' ? null : state.lastReading;
      return {
        identity: m.identity,
        profile: m.profile,
        scale: m.scale * DEMO_SPEEDUP,
        startWh: last?.registerWh ?? 0,
        lastSeq: state.status === 'none' ? 0 : (state.lastSeq ?? 0),
      };
    }),
  );
  const url = `${deps.httpUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}${IOT_PATH}`;
  const fleet = Fleet.start({ url, meters: specs, connectJitterMs: 2_000 });
  const timer = setInterval(() => {
    for (const meter of fleet.meters) meter.sendReading();
  }, READING_EVERY_MS);
  return {
    fleet,
    async stop() {
      clearInterval(timer);
      await fleet.stop();
    },
  };
}

/**
 * Last month's bill run over every meter of the fleet, answered within
 * FIRST_RUN_WINDOW_MS. Its id derives from the demo namespace: started once.
 */
export async function startFirstBillRun(
  seed: DemoSeed,
  deps: { store: EventStore; now: Date },
): Promise<{ runId: string; period: string; deadline: string }> {
  const runId = demoId(seed.state, 'billrun/first');
  const period = demoTimeline(deps.now).lastPeriod;
  const deadline = new Date(deps.now.getTime() + FIRST_RUN_WINDOW_MS).toISOString();
  const meters = seed.meters.map(({ meterId, propertyId }) => ({ meterId, propertyId }));
  await startBillRun(
    { store: deps.store, ports: storeBillingPorts(deps.store) },
    { runId, period, deadline, meters },
    {
      now: deps.now.toISOString(),
      actor: seed.admin.accountId,
      commandId: demoId(seed.state, 'cmd/billrun/first'),
    },
  );
  return { runId, period, deadline };
}
