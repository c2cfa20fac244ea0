// Pipelined billing on real Postgres: a gateway bills the answers its run
// writer records as soon as they are on the run, long before the deadline
// and without a close; a close billing the same meters meanwhile (in either
// order), or a second gateway billing the same meters, leaves each meter
// with one bill, one charge and one history entry, and the run completes
// with its last meter billed; answers recorded by a gateway that stopped
// before billing them are billed by the close.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayCloseCommandId } from '../../src/commands/bill-run-meters.ts';
import {
  BILLING_ACTOR,
  closeBillRun,
  startBillRun,
  storeBillingPorts,
  type BillingDeps,
} from '../../src/commands/billing.ts';
import { billStream } from '../../src/domain/billing/index.ts';
import { meterBillingStream } from '../../src/domain/billing/meterbilling/index.ts';
import { billRunStream, foldBillRun } from '../../src/domain/billrun/index.ts';
import { receivableStream } from '../../src/domain/receivable/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { RunBiller } from '../../src/iot/billrun/run-biller.ts';
import { foldRun, RunWriter, type TrackedRun } from '../../src/iot/billrun/run-writer.ts';
import type { RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { installMany } from '../commands/billing-bulk.ts';
import {
  deadlineOf,
  meta,
  runMeter,
  type BillingWorld,
  type Fixture,
} from '../commands/billing-fixtures.ts';
import { countFacts } from '../domain/billrun/run-facts.ts';
import {
  answeringMeter,
  createBillingWorld,
  errors as gatewayErrors,
  installKeyedMeter,
  runState,
  startGatewayFor,
  startRun,
  PERIOD as GATEWAY_PERIOD,
} from './billrun-world.ts';

let world: BillingWorld;

beforeAll(async () => {
  world = await createBillingWorld();
});
afterAll(() => world?.close());

describe('pipelined billing through a gateway', () => {
  const gateways: RunningGateway[] = [];
  const closers: (() => void)[] = [];
  // Stopped before the next tests: a running gateway would close their runs.
  afterAll(async () => {
    closers.forEach((c) => c());
    await Promise.all(gateways.map((g) => g.close()));
  });

  it('bills answers as they are recorded, with the deadline a minute away and no close', async () => {
    const gw = await startGatewayFor(world, 'gw-pipe', inlineVerifier());
    gateways.push(gw);
    const [a, b, silent] = (await Promise.all(
      [31, 32, 33].map((n) => installKeyedMeter(world, n)),
    )) as [Fixture, Fixture, Fixture];
    for (const [f, answers] of [
      [a, true],
      [b, true],
      [silent, false],
    ] as const) {
      const m = await answeringMeter(gw.url!, f.meterId, answers);
      closers.push(m.close);
    }
    const runId = await startRun(world, [a, b, silent], 60_000);

    await expect
      .poll(async () => countFacts(await eventsOf(runId), 'billed'), { timeout: 10_000 })
      .toBe(2);
    const run = await runState(world, runId);
    if (run.status === 'none') throw new Error('no run');
    expect(run.status).toBe('open');
    expect(run.meters[silent.meterId]!.status).toBe('pending');
    const types = (await eventsOf(runId)).map((e) => e.type);
    expect(types).not.toContain('BillRunCloseClaimed');
    expect(types).not.toContain('MeterReadingMissed');
    for (const f of [a, b]) {
      expect(run.meters[f.meterId]!.status).toBe('billed');
      await expectBilledOnce(f, GATEWAY_PERIOD, runId);
    }
    expect(gatewayErrors).toEqual([]);
  });
});

describe('pipelined billing beside a close and another gateway', () => {
  it('a close billing the same meters first leaves one bill and one charge per meter', async () => {
    const { runId, meters } = await answeredRun(40);
    // The gateway's bills wait until the close has billed every meter.
    const gate = gated(world.store);
    const gateway = gatewayOf(gate.store);
    await gateway.record(runId, meters);
    await gate.reached;
    const closed = await closeBillRun(world.deps, { runId }, gatewayCloseMeta(runId));
    expect(closed.progress).toMatchObject({ billed: meters.length, missed: 0, skipped: 0 });
    gate.open();
    await gateway.settled();

    await expectEachBilledOnce(runId, meters);
    expect(gateway.errors).toEqual([]);
  });

  it('the gateway billing the same meters while the close bills them leaves one bill and one charge per meter', async () => {
    const { runId, meters } = await answeredRun(40);
    const [gatewayGate, closeGate] = [gated(world.store), gated(world.store)];
    const gateway = gatewayOf(gatewayGate.store);
    await gateway.record(runId, meters);
    await gatewayGate.reached;
    // The close has taken every meter as answered and not billed, and waits to write its bills...
    const closing = closeBillRun(
      { store: closeGate.store, ports: storeBillingPorts(closeGate.store) },
      { runId },
      gatewayCloseMeta(runId),
    );
    await closeGate.reached;
    // ...while the gateway bills them and records them on the run.
    gatewayGate.open();
    await gateway.settled();
    expect(foldBillRun(await eventsOf(runId)).status).toBe('completed');
    closeGate.open();
    const closed = await closing;
    expect(closed.refused).toEqual([]);

    await expectEachBilledOnce(runId, meters);
    expect(gateway.errors).toEqual([]);
  });

  it('two gateways billing overlapping answers bill each meter once and complete the run without a close', async () => {
    const { runId, meters } = await answeredRun(60);
    const [one, two] = [gatewayOf(world.store), gatewayOf(world.store)];
    await Promise.all([
      one.record(runId, meters.slice(0, 40)),
      two.record(runId, meters.slice(20)),
    ]);
    await Promise.all([one.settled(), two.settled()]);

    const events = await eventsOf(runId);
    expect(events.map((e) => e.type)).not.toContain('BillRunCloseClaimed');
    expect(events.filter((e) => e.type === 'BillRunCompleted')).toHaveLength(1);
    await expectEachBilledOnce(runId, meters);
    expect([...one.errors, ...two.errors]).toEqual([]);
  });

  it('bills at the close the answers a gateway recorded and stopped before billing', async () => {
    const { runId, meters } = await answeredRun(30);
    const dead: EventStore = Object.create(world.store);
    dead.appendMany = () => Promise.reject(new Error('the gateway stopped'));
    const gateway = gatewayOf(dead);
    await gateway.record(runId, meters);
    await gateway.settled();
    expect(gateway.errors.map(String)).toEqual(['Error: the gateway stopped']);
    const before = foldBillRun(await eventsOf(runId));
    expect(before.status === 'open' && before.progress).toMatchObject({ answered: 30, billed: 0 });

    const closed = await closeBillRun(world.deps, { runId }, gatewayCloseMeta(runId));
    expect(closed.progress).toMatchObject({ billed: 30, missed: 0 });
    await expectEachBilledOnce(runId, meters);
  });
});

const CLOSING_AT = '2026-01-31T12:00:00Z';
const PERIOD = '2026-01';
const BILLED_AT = Date.parse('2026-02-01T02:00:00Z');

const eventsOf = (runId: string) => world.store.readStream(billRunStream(runId));

/** Installed meters with a closing reading, and a run of them (not answered yet). */
async function answeredRun(count: number) {
  const meters = await installMany(world, count, CLOSING_AT, (i) => 40_000 + i * 100);
  const runId = randomUUID();
  await startBillRun(
    world.deps,
    { runId, period: PERIOD, deadline: deadlineOf(PERIOD), meters: meters.map(runMeter) },
    meta(world.superuser, '2026-02-01T00:00:00Z'),
  );
  return { runId, meters };
}

const gatewayCloseMeta = (runId: string) => ({
  now: '2026-02-01T03:00:00.000Z',
  commandId: gatewayCloseCommandId(runId),
  actor: BILLING_ACTOR,
});

/** A gateway's run writer and biller on `store`: records answers, then bills what it recorded. */
function gatewayOf(store: EventStore) {
  const errors: unknown[] = [];
  const deps: BillingDeps = { store, ports: storeBillingPorts(store) };
  const biller = new RunBiller(
    deps,
    (e) => errors.push(e),
    () => BILLED_AT,
  );
  const writer = new RunWriter(world.store, (e) => errors.push(e), {
    onAnswersRecorded: (run, answers) => biller.submit(run, answers),
  });
  let tracked: TrackedRun | undefined;
  return {
    errors,
    async record(runId: string, meters: Awaited<ReturnType<typeof answeredRun>>['meters']) {
      tracked = foldRun(runId, await eventsOf(runId));
      for (const { meterId, readingEventId, readingRevision } of meters)
        writer.submit(tracked, {
          type: 'RecordMeterAnswer',
          data: { meterId, readingEventId, readingRevision },
          metadata: meta(BILLING_ACTOR, '2026-02-01T01:00:00Z'),
        });
      await writer.drain();
    },
    settled: () => (tracked ? biller.drain(tracked) : Promise.resolve()),
  };
}

/** The store, with every `appendMany` (bills, charges, histories) waiting until `open()`. */
function gated(store: EventStore) {
  let open = () => {};
  let reach = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const wrapped: EventStore = Object.create(store);
  wrapped.appendMany = async (appends) => {
    reach();
    await opened;
    return store.appendMany(appends);
  };
  return { store: wrapped, open, reached };
}

/** One bill, charge and history entry, written with the gateways' close's sub-command ids. */
async function expectBilledOnce(f: Fixture, period: string, runId: string) {
  const bills = (await world.store.readStream(billStream(f.propertyId, period))).filter(
    (e) => e.type === 'BillIssued',
  );
  const charges = (await world.store.readStream(receivableStream(f.propertyId))).filter(
    (e) => e.type === 'BillCharged' && e.data.period === period,
  );
  const history = (await world.store.readStream(meterBillingStream(f.meterId))).filter(
    (e) => e.data.period === period,
  );
  expect(bills, f.meterId).toHaveLength(1);
  expect(charges.map((e) => e.data.billId)).toEqual([bills[0]!.data.billId]);
  expect(history.map((e) => e.type)).toEqual(['PeriodBilled']);
  const step = `${gatewayCloseCommandId(runId)}/close`;
  expect(bills[0]!.metadata.commandId).toBe(`${step}/bill/${f.meterId}`);
  expect(charges[0]!.metadata.commandId).toBe(`${step}/charge/${f.meterId}`);
  expect(history[0]!.metadata.commandId).toBe(`${step}/history/${f.meterId}`);
}

async function expectEachBilledOnce(runId: string, meters: Fixture[]) {
  const events = await eventsOf(runId);
  const run = foldBillRun(events);
  expect(run.status).toBe('completed');
  for (const f of meters) {
    expect(countFacts(events, 'billed', f.meterId), f.meterId).toBe(1);
    await expectBilledOnce(f, PERIOD, runId);
  }
}
