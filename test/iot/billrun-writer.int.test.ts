// The gateways' run writer on real Postgres: another gateway winning the run
// stream again and again (here, more times than the writer's attempt bound)
// never makes it drop the facts it holds: each conflict catches up with what
// the run gained and tries again, so no answer is lost (a lost answer would
// be recorded as a missed reading at the close). Facts go in batch events:
// two gateways racing on the same meters record each meter once, and a
// gateway never takes another's answer of a meter for its own.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBillRun } from '../../src/commands/billing.ts';
import { billRunStream, foldBillRun } from '../../src/domain/billrun/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { foldRun, RunWriter } from '../../src/iot/billrun/run-writer.ts';
import { installMany } from '../commands/billing-bulk.ts';
import { countFacts } from '../domain/billrun/run-facts.ts';
import {
  createBillingWorld,
  deadlineOf,
  meta,
  runMeter,
  type BillingWorld,
} from '../commands/billing-fixtures.ts';

let world: BillingWorld;
beforeAll(async () => {
  world = await createBillingWorld();
});
afterAll(() => world?.close());

it('records every answer however many times another gateway writes the run first', async () => {
  const meters = await installMany(world, 30, '2026-01-31T12:00:00Z', (i) => 40_000 + i);
  const { runId, stream } = await startRun(meters);
  const tracked = foldRun(runId, await world.store.readStream(stream));

  // "Another gateway": before each of this writer's first 12 appends, one of
  // the answers is recorded by someone else, so this writer's expected revision is stale.
  let raced = 0;
  const store: EventStore = Object.create(world.store);
  store.append = async (name, events, options) => {
    if (name === stream && raced < 12) {
      const m = meters[raced++]!;
      const other = foldRun(runId, await world.store.readStream(stream));
      const otherWriter = new RunWriter(world.store, (e) => {
        throw e;
      });
      otherWriter.submit(other, answer(m));
      await otherWriter.drain();
    }
    return world.store.append(name, events, options);
  };
  const errors: unknown[] = [];
  const writer = new RunWriter(store, (e) => errors.push(e));
  for (const m of meters) writer.submit(tracked, answer(m));
  await writer.drain();

  expect(errors).toEqual([]);
  expect(raced).toBe(12);
  const run = foldBillRun(await world.store.readStream(stream));
  if (run.status === 'none') throw new Error('no run');
  expect(run.progress.answered).toBe(30);
  const events = await world.store.readStream(stream);
  expect(countFacts(events, 'answered')).toBe(30);
  for (const m of meters) expect(countFacts(events, 'answered', m.meterId)).toBe(1);
  // 12 answers of the other writer, then this writer's 18 in one event.
  expect(events.filter((e) => e.type === 'MetersAnswered')).toHaveLength(13);
});

it('records each meter once when two gateways race on the same meters', async () => {
  const meters = await installMany(world, 40, '2026-01-31T12:00:00Z', (i) => 41_000 + i);
  const { runId, stream } = await startRun(meters);
  const [a, b] = [0, 1].map(async () => foldRun(runId, await world.store.readStream(stream)));
  const runs = [await a!, await b!];
  const errors: unknown[] = [];
  const writers = runs.map(() => new RunWriter(world.store, (e) => errors.push(e)));
  // Gateway A holds meters 0..29, B 10..39: 20 meters are asked and answered by both.
  const held = [meters.slice(0, 30), meters.slice(10)];
  held.forEach((mine, i) => {
    for (const m of mine) writers[i]!.submit(runs[i]!, ask(m));
    for (const m of mine) writers[i]!.submit(runs[i]!, answer(m));
  });
  await Promise.all(writers.map((w) => w.drain()));

  expect(errors).toEqual([]);
  const events = await world.store.readStream(stream);
  for (const m of meters) {
    expect(countFacts(events, 'asked', m.meterId)).toBe(1);
    expect(countFacts(events, 'answered', m.meterId)).toBe(1);
  }
  // Each writer's view is the log's up to the revision it holds (no follower here).
  for (const run of runs) expect(run.state).toEqual(foldBillRun(events.slice(0, run.revision + 1)));
  // At most two asks and two answers events: the loser records only what the winner did not.
  expect(events.filter((e) => e.type !== 'BillRunStarted').length).toBeLessThanOrEqual(4);
});

it('takes the same batch from two gateways at one revision as one event, and never another answer for its own', async () => {
  const meters = await installMany(world, 6, '2026-01-31T12:00:00Z', (i) => 42_000 + i);
  const { runId, stream } = await startRun(meters);
  const started = await world.store.readStream(stream);
  const [a, b, c] = [foldRun(runId, started), foldRun(runId, started), foldRun(runId, started)];
  const errors: unknown[] = [];
  const writer = () => new RunWriter(world.store, (e) => errors.push(e));

  // A and B decide the same answers at the same revision: B's append is A's, retried.
  const [wa, wb] = [writer(), writer()];
  for (const m of meters.slice(0, 3)) [wa, wb].forEach((w, i) => w.submit([a, b][i]!, answer(m)));
  await Promise.all([wa.drain(), wb.drain()]);
  expect(errors).toEqual([]);
  let events = await world.store.readStream(stream);
  expect(events.map((e) => e.type)).toEqual(['BillRunStarted', 'MetersAnswered']);
  expect(a.revision).toBe(1);
  expect(b.revision).toBe(1);

  // C, still at the start, answers meter 0 with another stored reading (it was
  // connected to C too) and meter 3: the run keeps A's answer of meter 0.
  const wc = writer();
  wc.submit(c, answer({ ...meters[0]!, readingEventId: 'another-reading', readingRevision: 9 }));
  wc.submit(c, answer(meters[3]!));
  await wc.drain();
  expect(errors).toEqual([]);
  events = await world.store.readStream(stream);
  const run = foldBillRun(events);
  if (run.status === 'none') throw new Error('no run');
  expect(run.meters[meters[0]!.meterId]!.readingEventId).toBe(meters[0]!.readingEventId);
  expect(c.state).toEqual(run);
  expect(events.at(-1)!.data).toMatchObject({ answers: [{ meterId: meters[3]!.meterId }] });
});

it('drops facts the run refuses (meters outside it, answers past the deadline) and records the rest', async () => {
  const meters = await installMany(world, 3, '2026-01-31T12:00:00Z', (i) => 43_000 + i);
  const { runId, stream } = await startRun(meters);
  const run = foldRun(runId, await world.store.readStream(stream));
  const errors: unknown[] = [];
  const writer = new RunWriter(world.store, (e) => errors.push(e));
  writer.submit(run, answer({ ...meters[0]!, meterId: 'not-in-the-run' }));
  writer.submit(run, answer(meters[1]!, deadlineOf('2026-01')));
  writer.submit(run, answer(meters[2]!));
  await writer.drain();
  expect(errors).toEqual([]);
  const events = await world.store.readStream(stream);
  expect(events.slice(1).map((e) => e.data)).toEqual([
    {
      answers: [
        {
          meterId: meters[2]!.meterId,
          readingEventId: meters[2]!.readingEventId,
          readingRevision: meters[2]!.readingRevision,
        },
      ],
      answeredAt: '2026-02-01T01:00:00.000Z',
    },
  ]);
});

async function startRun(meters: Parameters<typeof runMeter>[0][]) {
  const runId = randomUUID();
  const start = {
    runId,
    period: '2026-01',
    deadline: deadlineOf('2026-01'),
    meters: meters.map(runMeter),
  };
  await startBillRun(world.deps, start, meta(world.superuser, '2026-02-01T00:00:00Z'));
  return { runId, stream: billRunStream(runId) };
}

function ask(m: { meterId: string }) {
  return {
    type: 'RequestMeterRead' as const,
    data: { meterId: m.meterId },
    metadata: meta('system:billrun', '2026-02-01T01:00:00Z'),
  };
}

function answer(
  m: { meterId: string; readingEventId: string; readingRevision: number },
  now = '2026-02-01T01:00:00Z',
) {
  const { meterId, readingEventId, readingRevision } = m;
  return {
    type: 'RecordMeterAnswer' as const,
    data: { meterId, readingEventId, readingRevision },
    metadata: meta('system:billrun', now),
  };
}
