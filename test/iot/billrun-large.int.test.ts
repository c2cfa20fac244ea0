// A bill run through a real gateway whose meters are listed over several
// events (more than METERS_PER_EVENT): a connected meter listed after the
// first event is asked, answers and is billed like one listed in it, and the
// silent meters of the run are recorded missed by the same close.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METERS_PER_EVENT } from '../../src/domain/billrun/index.ts';
import type { RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { installMany } from '../commands/billing-bulk.ts';
import type { BillingWorld } from '../commands/billing-fixtures.ts';
import {
  answeringMeter,
  createBillingWorld,
  errors,
  installKeyedMeter,
  runState,
  startGatewayFor,
  startRun,
} from './billrun-world.ts';

let world: BillingWorld;
let gateway: RunningGateway | undefined;
const closers: (() => void)[] = [];
const verifier = inlineVerifier();

beforeAll(async () => {
  world = await createBillingWorld();
});
afterAll(async () => {
  closers.forEach((c) => c());
  await gateway?.close();
  await world?.close();
});

describe('bill-run fan-out over a run listed in several events', () => {
  it(
    'asks and bills a connected meter listed after the first event',
    { timeout: 50_000 },
    async () => {
      const silent = await installMany(world, METERS_PER_EVENT, '2026-01-31T12:00:00Z', () => 1000);
      const [first, later] = [await installKeyedMeter(world, 1), await installKeyedMeter(world, 2)];
      gateway = await startGatewayFor(world, 'gw-large', verifier);
      for (const f of [first, later]) {
        const m = await answeringMeter(gateway.url!, f.meterId);
        closers.push(m.close);
      }
      // `first` is in BillRunStarted, `later` in the BillRunMetersListed after it.
      const runId = await startRun(world, [first, ...silent, later], 4_000);
      await expect
        .poll(async () => (await runState(world, runId)).status, { timeout: 40_000, interval: 500 })
        .toBe('completed');

      const state = await runState(world, runId);
      if (state.status === 'none') throw new Error('no run');
      for (const f of [first, later])
        expect(state.meters[f.meterId]).toMatchObject({ status: 'billed', asked: true });
      expect(state.progress).toMatchObject({
        total: METERS_PER_EVENT + 2,
        billed: 2,
        missed: METERS_PER_EVENT,
      });
      expect(errors).toEqual([]);
    },
  );
});
