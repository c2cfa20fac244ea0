// Bill runs through real gateways on real Postgres: answering, silent,
// late-connecting and offline meters in one run on one gateway; then two
// gateways sharing a run, one meter connected to both (one of them takes the
// close's lease); and a run completed as soon as every meter answered, long
// before its deadline.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billRunStream } from '../../src/domain/billrun/index.ts';
import { meterStream } from '../../src/domain/meter/index.ts';
import { requestIdFor } from '../../src/iot/billrun/fanout.ts';
import type { RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import type { BillingWorld, Fixture } from '../commands/billing-fixtures.ts';
import { countFacts, type MeterFactKind } from '../domain/billrun/run-facts.ts';
import {
  answeringMeter,
  createBillingWorld,
  errors,
  installKeyedMeter,
  runState,
  startGatewayFor,
  startRun,
  PERIOD,
} from './billrun-world.ts';

let world: BillingWorld;
const gateways: RunningGateway[] = [];
const closers: (() => void)[] = [];
const verifier = inlineVerifier();

beforeAll(async () => {
  world = await createBillingWorld();
});
afterAll(async () => {
  closers.forEach((c) => c());
  await Promise.all(gateways.map((g) => g.close()));
  await world?.close();
});

const startGateway = async (id: string) => {
  const g = await startGatewayFor(world, id, verifier);
  gateways.push(g);
  return g;
};
const meterOn = async (g: RunningGateway, f: Fixture, answer = true) => {
  const m = await answeringMeter(g.url!, f.meterId, answer);
  closers.push(m.close);
  return m;
};
const untilCompleted = (runId: string) =>
  expect
    .poll(async () => (await runState(world, runId)).status, { timeout: 15_000 })
    .toBe('completed');
const eventsOf = async (runId: string) => world.store.readStream(billRunStream(runId));

describe('bill-run fan-out', () => {
  it('asks connected and late meters, ties answers to the run, records silent ones missed', async () => {
    const gw = await startGateway('gw-1');
    const [a, b, silent, late, offline] = (await Promise.all(
      [1, 2, 3, 4, 5].map((n) => installKeyedMeter(world, n)),
    )) as [Fixture, Fixture, Fixture, Fixture, Fixture];
    const ma = await meterOn(gw, a);
    const mb = await meterOn(gw, b);
    const ms = await meterOn(gw, silent, false);
    const runId = await startRun(world, [a, b, silent, late, offline], 5_000);

    await new Promise((r) => setTimeout(r, 700));
    const ml = await meterOn(gw, late);
    await untilCompleted(runId);

    for (const m of [ma, mb, ms, ml]) {
      expect(m.reads()).toEqual([{ type: 'read', runId, requestId: requestIdFor(runId) }]);
    }
    const state = await runState(world, runId);
    if (state.status === 'none') throw new Error('no run');
    expect(state.meters[a.meterId]!.status).toBe('billed');
    expect(state.meters[b.meterId]!.status).toBe('billed');
    expect(state.meters[late.meterId]!.status).toBe('billed');
    expect(state.meters[silent.meterId]).toMatchObject({ status: 'missed', asked: true });
    expect(state.meters[offline.meterId]).toMatchObject({ status: 'missed', asked: false });

    // The answer is the signed reading stored with the run and request on it.
    const answer = state.meters[late.meterId]!;
    const [reading] = await world.store.readStream(meterStream(late.meterId), {
      fromRevision: answer.readingRevision!,
      limit: 1,
    });
    expect(reading).toMatchObject({ id: answer.readingEventId, type: 'ReadingRecorded' });
    expect(reading!.data).toMatchObject({ runId, requestId: requestIdFor(runId) });
    expect(await world.billOf(a, PERIOD)).toMatchObject({ meterId: a.meterId, period: PERIOD });

    const events = await eventsOf(runId);
    expect(countFacts(events, 'asked')).toBe(4);
    expect(countFacts(events, 'answered')).toBe(3);
    // New runs record meters in batch events only.
    expect(events.map((e) => e.type)).not.toContain('MeterReadRequested');
    expect(events.map((e) => e.type)).not.toContain('MeterAnswered');
    expect(events.filter((e) => e.type === 'BillRunCompleted')).toHaveLength(1);
  });

  it('shares one run between two gateways: asked once per gateway, answered once, closed once', async () => {
    const [g1, g2] = [await startGateway('gw-a'), await startGateway('gw-b')];
    const [one, two, both, silent] = (await Promise.all(
      [11, 12, 13, 14].map((n) => installKeyedMeter(world, n)),
    )) as [Fixture, Fixture, Fixture, Fixture];
    const m1 = await meterOn(g1, one);
    const m2 = await meterOn(g2, two);
    const bothOn1 = await meterOn(g1, both);
    const bothOn2 = await meterOn(g2, both);
    const s1 = await meterOn(g1, silent, false);
    const runId = await startRun(world, [one, two, both, silent], 4_000);
    await untilCompleted(runId);
    // Let both gateways' closers run past the deadline before counting.
    await new Promise((r) => setTimeout(r, 500));

    const connections = { m1, m2, bothOn1, bothOn2, s1 };
    for (const [name, m] of Object.entries(connections)) expect(m.reads(), name).toHaveLength(1);
    const events = await eventsOf(runId);
    const count = (kind: MeterFactKind, meterId: string) => countFacts(events, kind, meterId);
    for (const f of [one, two, both, silent]) expect(count('asked', f.meterId)).toBe(1);
    for (const f of [one, two, both]) expect(count('answered', f.meterId)).toBe(1);
    for (const f of [one, two, both]) expect(count('billed', f.meterId)).toBe(1);
    expect(count('missed', silent.meterId)).toBe(1);
    expect(events.filter((e) => e.type === 'BillRunCompleted')).toHaveLength(1);
    expect(errors).toEqual([]);
    expect(events.find((e) => e.type === 'BillRunCompleted')!.data).toMatchObject({
      billed: 3,
      missed: 1,
    });
    // One gateway took the close (the other saw its lease, or was refused it).
    expect(events.filter((e) => e.type === 'BillRunCloseClaimed')).toHaveLength(1);
  });

  it('completes a run as soon as every meter has answered, long before its deadline', async () => {
    const [g1, g2] = [await startGateway('gw-c'), await startGateway('gw-d')];
    const [one, two] = (await Promise.all([21, 22].map((n) => installKeyedMeter(world, n)))) as [
      Fixture,
      Fixture,
    ];
    await meterOn(g1, one);
    await meterOn(g2, two);
    const startedAt = Date.now();
    const runId = await startRun(world, [one, two], 60_000);
    await untilCompleted(runId);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    const events = await eventsOf(runId);
    expect(countFacts(events, 'billed')).toBe(2);
    expect(countFacts(events, 'missed')).toBe(0);
    // The gateways bill answers as they are recorded, so their billing may end
    // the run before the early close claims it; never more than one claim.
    const claims = events.filter((e) => e.type === 'BillRunCloseClaimed');
    expect(claims.length).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e.type === 'BillRunCompleted')).toHaveLength(1);
    // Both gateways let go of the completed run, the closer too (its close
    // folded the completion in before its follower saw the event).
    await expect
      .poll(() => [g1, g2].flatMap((g) => g.fanOut!.openRunIds()), { timeout: 5_000 })
      .toEqual([]);
    expect(errors).toEqual([]);
  });
});
