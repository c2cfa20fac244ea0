// The gateways' run writer on real Postgres: another gateway winning the run
// stream again and again (here, more times than the writer's attempt bound)
// never makes it drop the facts it holds: each conflict catches up with what
// the run gained and tries again, so no answer is lost (a lost answer would
// be recorded as a missed reading at the close).

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBillRun } from '../../src/commands/billing.ts';
import { billRunStream, foldBillRun } from '../../src/domain/billrun/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { foldRun, RunWriter } from '../../src/iot/billrun/run-writer.ts';
import { installMany } from '../commands/billing-bulk.ts';
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
  const runId = randomUUID();
  const start = {
    runId,
    period: '2026-01',
    deadline: deadlineOf('2026-01'),
    meters: meters.map(runMeter),
  };
  await startBillRun(world.deps, start, meta(world.superuser, '2026-02-01T00:00:00Z'));
  const stream = billRunStream(runId);
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
  const answered = (await world.store.readStream(stream)).filter((e) => e.type === 'MeterAnswered');
  expect(answered).toHaveLength(30);
});

function answer(m: { meterId: string; readingEventId: string; readingRevision: number }) {
  const { meterId, readingEventId, readingRevision } = m;
  return {
    type: 'RecordMeterAnswer' as const,
    data: { meterId, readingEventId, readingRevision },
    metadata: meta('system:billrun', '2026-02-01T01:00:00Z'),
  };
}
