// The close lease on real Postgres: two gateways closing one run at once
// leave the work to whichever claims first (the other is told who holds it
// and until when); the holder renews it as it records outcomes; a holder
// that fails mid-close blocks others only until its lease expires, and may
// itself claim again at once (a restart). A run whose meters all answered
// closes before its deadline. Every meter is billed exactly once throughout.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  closeBillRun,
  recordMeterAnswer,
  startBillRun,
  type CloseOptions,
} from '../../src/commands/billing.ts';
import { billStream } from '../../src/domain/billing/index.ts';
import { billRunStream, foldBillRun } from '../../src/domain/billrun/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { installMany } from './billing-bulk.ts';
import {
  createBillingWorld,
  deadlineOf,
  meta,
  runMeter,
  type BillingWorld,
} from './billing-fixtures.ts';

const PERIOD = '2026-01';
const STARTED_AT = '2026-02-01T00:00:00Z';
const ANSWERED_AT = '2026-02-01T01:00:00Z';
const AFTER_DEADLINE = Date.parse('2026-02-02T06:00:01Z');

let world: BillingWorld;
beforeAll(async () => {
  world = await createBillingWorld();
});
afterAll(() => world?.close());

/** A started run of `count` meters, `answering` of which answered. */
async function answeredRun(count: number, answering = count) {
  const meters = await installMany(world, count, '2026-01-31T12:00:00Z', (i) => 40_000 + i);
  const runId = randomUUID();
  const start = {
    runId,
    period: PERIOD,
    deadline: deadlineOf(PERIOD),
    meters: meters.map(runMeter),
  };
  await startBillRun(world.deps, start, meta(world.superuser, STARTED_AT));
  for (const m of meters.slice(0, answering))
    await recordMeterAnswer(world.deps, { runId, ...m }, meta('system:billrun', ANSWERED_AT));
  return { runId, meters };
}

/** A gateway's close at `now` (ms), as the fan-out makes it: one command id for every gateway. */
const gatewayClose = (runId: string, closer: string, now: number, store?: EventStore) => {
  const lease: CloseOptions['lease'] = { closer, leaseMs: 30_000, clock: () => now };
  return closeBillRun(
    store ? { ...world.deps, store } : world.deps,
    { runId },
    {
      now: new Date(now).toISOString(),
      commandId: `billrun-close/${runId}`,
      actor: 'system:billrun',
    },
    { lease },
  );
};

const runEvents = async (runId: string) => world.store.readStream(billRunStream(runId));
const billsOf = async (meters: { propertyId: string }[]) =>
  Promise.all(
    meters.map(
      async (m) => (await world.store.readStream(billStream(m.propertyId, PERIOD))).length,
    ),
  );

it('leaves the close to the first of two gateways and bills every meter once', async () => {
  const { runId, meters } = await answeredRun(40, 35);
  const closes = await Promise.allSettled([
    gatewayClose(runId, 'gw-a', AFTER_DEADLINE),
    gatewayClose(runId, 'gw-b', AFTER_DEADLINE + 5),
  ]);
  const won = closes.filter((c) => c.status === 'fulfilled');
  const lost = closes.flatMap((c) => (c.status === 'rejected' ? [c.reason] : []));
  expect(won).toHaveLength(1);
  expect(lost).toEqual([
    expect.objectContaining({ code: 'CLOSE_LEASE_HELD', message: expect.stringMatching(/^gw-/) }),
  ]);
  const events = await runEvents(runId);
  expect(events.filter((e) => e.type === 'BillRunCloseClaimed')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'MeterReadingMissed')).toHaveLength(5);
  expect(foldBillRun(events).status).toBe('completed');
  expect(await billsOf(meters)).toEqual([...Array(35).fill(1), ...Array(5).fill(0)]);

  // Past the lease, the other gateway's close finds the run completed and writes nothing.
  await gatewayClose(runId, 'gw-b', AFTER_DEADLINE + 60_000);
  expect(await runEvents(runId)).toHaveLength(events.length);
});

it('lets a failed holder claim again at once and others only after its lease', async () => {
  const { runId, meters } = await answeredRun(30);
  // gw-a claims the close, then its store fails before any bill is written.
  const failing: EventStore = Object.create(world.store);
  failing.appendMany = () => Promise.reject(new Error('connection lost'));
  await expect(gatewayClose(runId, 'gw-a', AFTER_DEADLINE, failing)).rejects.toThrow(
    'connection lost',
  );
  expect(await billsOf(meters)).toEqual(Array(30).fill(0));

  await expect(gatewayClose(runId, 'gw-b', AFTER_DEADLINE + 29_000)).rejects.toMatchObject({
    code: 'CLOSE_LEASE_HELD',
  });
  // gw-a restarted: its own lease does not stand in its way.
  const closed = await gatewayClose(runId, 'gw-a', AFTER_DEADLINE + 1_000);
  expect(closed.progress).toMatchObject({ billed: 30, missed: 0, skipped: 0 });
  expect(await billsOf(meters)).toEqual(Array(30).fill(1));
  const claims = (await runEvents(runId)).filter((e) => e.type === 'BillRunCloseClaimed');
  expect(claims.map((e) => e.data.closer)).toEqual(['gw-a', 'gw-a']);
});

it('hands the close to another gateway once the lease expired', async () => {
  const { runId, meters } = await answeredRun(10);
  const failing: EventStore = Object.create(world.store);
  failing.appendMany = () => Promise.reject(new Error('connection lost'));
  await expect(gatewayClose(runId, 'gw-a', AFTER_DEADLINE, failing)).rejects.toThrow();
  const closed = await gatewayClose(runId, 'gw-b', AFTER_DEADLINE + 30_000);
  expect(closed.progress).toMatchObject({ billed: 10 });
  expect(await billsOf(meters)).toEqual(Array(10).fill(1));
});

it('renews the lease as it records outcomes once half of it has passed', async () => {
  const { runId } = await answeredRun(5);
  let now = AFTER_DEADLINE;
  // Every look at the clock is 20 s later: the renewal is due at the first chunk's record.
  const clock = () => (now += 20_000);
  await closeBillRun(
    world.deps,
    { runId },
    meta('system:billrun', new Date(AFTER_DEADLINE).toISOString()),
    { lease: { closer: 'gw-a', leaseMs: 30_000, clock } },
  );
  const claims = (await runEvents(runId)).filter((e) => e.type === 'BillRunCloseClaimed');
  expect(claims.map((e) => e.data.closer)).toEqual(['gw-a', 'gw-a']);
  expect(Date.parse(String(claims[1]!.data.expiresAt))).toBeGreaterThan(
    Date.parse(String(claims[0]!.data.expiresAt)),
  );
});

it('closes a run before its deadline once every meter answered, and not before', async () => {
  const early = Date.parse('2026-02-01T02:00:00Z');
  const waiting = await answeredRun(4, 3);
  await expect(gatewayClose(waiting.runId, 'gw-a', early)).rejects.toMatchObject({
    code: 'DEADLINE_NOT_REACHED',
  });
  expect((await runEvents(waiting.runId)).map((e) => e.type)).not.toContain('BillRunCloseClaimed');

  const { runId, meters } = await answeredRun(4);
  const closed = await gatewayClose(runId, 'gw-a', early);
  expect(closed.progress).toMatchObject({ total: 4, billed: 4, missed: 0 });
  expect(await billsOf(meters)).toEqual([1, 1, 1, 1]);
});

it('closes from a run state the caller follows, catching up when it is behind', async () => {
  const { runId, meters } = await answeredRun(6);
  const events = await runEvents(runId);
  // What a gateway knew before the last two answers came in.
  const behind = events.slice(0, -2);
  const known = { state: foldBillRun(behind), revision: behind.length - 1 };
  const closed = await closeBillRun(
    world.deps,
    { runId },
    meta('system:billrun', new Date(AFTER_DEADLINE).toISOString()),
    { knownRun: known },
  );
  expect(closed.progress).toMatchObject({ billed: 6, missed: 0 });
  expect(await billsOf(meters)).toEqual(Array(6).fill(1));
  // The close moved the caller's run forward in place to the stream's end, as a follower would.
  const all = await runEvents(runId);
  expect(known.revision).toBe(all.length - 1);
  expect(known.state).toEqual(foldBillRun(all));
  expect(known.state.status).toBe('completed');
});
