// Read-your-writes: a command through the real service returns its position,
// and a bounded wait on that position makes the read model show the change.
// A position nobody has reached yet times out as `false` (or a typed error).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerGateway } from '../../src/commands/inventory.ts';
import { encodePosition } from '../../src/eventstore/postgres/positions.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import { listGateways } from '../../src/projections/inventory/queries.ts';
import {
  ProjectionLagError,
  requirePosition,
  waitForPosition,
} from '../../src/projections/wait.ts';
import { createPostgresTestStore, type TestStore } from '../support/store.ts';
import * as ev from './fixtures/events.ts';

const ROOT = '00000000-0000-4000-8000-00000000f00d';
const G = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
let t: TestStore;
let running: RunningProjections;

beforeAll(async () => {
  t = await createPostgresTestStore({ pollIntervalMs: 50 });
  await t.store.append(`account-${ROOT}`, [
    ev.accountRegistered(ROOT, 'root', '2026-01-01T00:00:00.000Z', ['superuser']),
  ]);
  running = await startProjections({ store: t.store, readDb: t.db });
});
afterAll(async () => {
  await running.stop();
  await t.close();
});

it('a command followed by a wait on its position sees its own change', async () => {
  const metadata = { now: '2026-01-02T00:00:00.000Z', commandId: 'cmd-gw-1', actor: ROOT };
  const input = {
    gatewayId: 'gw-1',
    name: 'North',
    state: 'KA',
    city: 'Bengaluru',
    pincode: '560001',
    publicKey: G,
  };
  const { position } = await registerGateway({ store: t.store }, input, metadata);
  expect(position).not.toBeNull();
  expect(await running.waitFor(position!, { projections: ['inventory'], timeoutMs: 10_000 })).toBe(
    true,
  );
  expect((await listGateways(t.db)).map((g) => g.gatewayId)).toEqual(['gw-1']);
});

it('gives up on a position no read model has reached: false, or ProjectionLagError', async () => {
  const future = encodePosition(2n ** 62n, 1);
  const options = {
    comparePositions: t.store.comparePositions,
    timeoutMs: 300,
    pollIntervalMs: 50,
  };
  const started = Date.now();
  expect(await waitForPosition(t.db, ['inventory'], future, options)).toBe(false);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  await expect(requirePosition(t.db, ['inventory'], future, options)).rejects.toBeInstanceOf(
    ProjectionLagError,
  );
  // An unknown read model never counts as caught up.
  const head = (await t.store.headPosition())!;
  expect(await waitForPosition(t.db, ['no-such-model'], head, { ...options, timeoutMs: 100 })).toBe(
    false,
  );
});
