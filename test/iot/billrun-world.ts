// Bill-run tests over real gateways: the billing world of the billing tests
// (accounts, tariff, approved properties with meters) with each meter re-keyed
// to a test key so it can connect, meters that answer `read` requests, and a
// gateway with its fan-out on.

import { randomUUID } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { startBillRun } from '../../src/commands/billing.ts';
import { foldBillRun, billRunStream, type BillRunState } from '../../src/domain/billrun/index.ts';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import { runGateway } from '../../src/iot/gateway/run-gateway.ts';
import type { ReadingVerifier } from '../../src/iot/verify/types.ts';
import {
  createBillingWorld,
  meta,
  type BillingWorld,
  type Fixture,
} from '../commands/billing-fixtures.ts';
import { testKey } from './fixtures.ts';
import { gatewayKey, identityOf, onMeter } from './ingest-world.ts';
import { WsMeter } from './ws-meter.ts';

export const PERIOD = '2026-10';

/** An installed meter with a key of its own (the billing world installs one shared key). */
export async function installKeyedMeter(world: BillingWorld, n: number): Promise<Fixture> {
  const f = await world.installMeter(n);
  await onMeter(world.store, f.meterId, {
    type: 'RotateMeterKey',
    data: { publicKey: bytesToHex(publicKeyOf(testKey(f.meterId))) },
    metadata: meta(world.admin, new Date().toISOString()),
  });
  return f;
}

/** Everything a gateway reported through onError: tests expect none. */
export const errors: unknown[] = [];

export const startGatewayFor = (
  world: BillingWorld,
  gatewayId: string,
  verifier: ReadingVerifier,
) =>
  runGateway(
    { gatewayId, gatewayPrivateKey: gatewayKey, closeJitterMs: 0, connectPollMs: 20 },
    { store: world.store, verifier, billing: world.deps, onError: (e) => errors.push(e) },
  );

/**
 * A meter that answers every `read` with a signed reading carrying the
 * request id (the installation reading used seq 1). `reads` counts requests.
 */
export async function answeringMeter(url: string, meterId: string, answer = true) {
  const m = await WsMeter.connect(url, identityOf(meterId));
  let seq = 1;
  let handled = 0;
  const pump = async () => {
    for (;;) {
      await m.until(() => m.events.filter((e) => e.type === 'read').length > handled, 60_000);
      const read = m.events.filter((e) => e.type === 'read')[handled++]!;
      if (!answer || read.type !== 'read') continue;
      seq += 1;
      const reading = { meterId, seq, registerWh: 150_000 + seq, readAt: Date.now() };
      m.send(m.session.sealReading({ ...reading, requestId: read.requestId }).frame);
    }
  };
  void pump().catch(() => undefined);
  return {
    meter: m,
    reads: () => m.events.filter((e) => e.type === 'read'),
    close: () => m.close(),
  };
}

export async function startRun(world: BillingWorld, meters: Fixture[], deadlineInMs: number) {
  const runId = randomUUID();
  const now = new Date();
  await startBillRun(
    world.deps,
    {
      runId,
      period: PERIOD,
      deadline: new Date(now.getTime() + deadlineInMs).toISOString(),
      meters: meters.map((f) => ({ meterId: f.meterId, propertyId: f.propertyId })),
    },
    meta(world.superuser, now.toISOString()),
  );
  return runId;
}

export async function runState(world: BillingWorld, runId: string): Promise<BillRunState> {
  return foldBillRun(await world.store.readStream(billRunStream(runId)));
}

export { createBillingWorld };
