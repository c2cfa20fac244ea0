// The bill-run close alone, without gateways or meters: CLOSE_METERS
// (default 5,000) approved properties with a meter and an opening reading,
// one run of all of them, every meter asked and answered through the
// gateways' run writer (timed), then one `closeBillRun` with a lease, timed. Prints wall time,
// Node CPU per meter and the event-store calls the close made (contention-
// robust, unlike the wall time on a shared machine). Last line: JSON.

import { loadavg } from 'node:os';
import { closeBillRun, startBillRun } from '../src/commands/billing.ts';
import { billRunStream, foldBillRun } from '../src/domain/billrun/index.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { foldRun, RunWriter } from '../src/iot/billrun/run-writer.ts';
import { installMany } from '../test/commands/billing-bulk.ts';
import {
  createBillingWorld,
  deadlineOf,
  meta,
  runMeter,
} from '../test/commands/billing-fixtures.ts';

const METERS = Number(process.env.CLOSE_METERS ?? 5000);
const PERIOD = '2026-01';

/** The store, counting each port call the close makes and the wall time spent in each kind. */
function counted(store: EventStore) {
  const calls: Record<string, number> = {};
  const ms: Record<string, number> = {};
  const wrapped: EventStore = Object.create(store);
  for (const name of ['append', 'appendMany', 'readStream', 'readStreams'] as const) {
    const original = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      const t = performance.now();
      return original(...args).finally(() => {
        ms[name] = Math.round((ms[name] ?? 0) + performance.now() - t);
      });
    };
  }
  return { store: wrapped, calls, ms };
}

const world = await createBillingWorld();
try {
  const meters = await installMany(world, METERS, '2026-01-31T12:00:00Z', (i) => 40_000 + i);
  const runId = crypto.randomUUID();
  const start = {
    runId,
    period: PERIOD,
    deadline: deadlineOf(PERIOD),
    meters: meters.map(runMeter),
  };
  const t0 = performance.now();
  await startBillRun(world.deps, start, meta(world.superuser, '2026-02-01T00:00:00Z'));
  const startS = (performance.now() - t0) / 1000;
  const writer = new RunWriter(world.store, (e) => {
    throw e;
  });
  const tracked = foldRun(runId, await world.store.readStream(billRunStream(runId)));
  // The gateways' facts through one writer (no second gateway to conflict with).
  const tAsk = performance.now();
  for (const { meterId } of meters)
    writer.submit(tracked, {
      type: 'RequestMeterRead',
      data: { meterId },
      metadata: meta('system:billrun', '2026-02-01T00:30:00Z'),
    });
  await writer.drain();
  const asksS = (performance.now() - tAsk) / 1000;
  const tAnswer = performance.now();
  for (const { meterId, readingEventId, readingRevision } of meters)
    writer.submit(tracked, {
      type: 'RecordMeterAnswer',
      data: { meterId, readingEventId, readingRevision },
      metadata: meta('system:billrun', '2026-02-01T01:00:00Z'),
    });
  await writer.drain();
  const answersS = (performance.now() - tAnswer) / 1000;
  process.stderr.write(`${METERS} meters answered; closing\n`);

  const { store, calls, ms } = counted(world.store);
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const closed = await closeBillRun(
    { ...world.deps, store },
    { runId },
    {
      now: '2026-02-02T06:00:01.000Z',
      commandId: `billrun-close/${runId}`,
      actor: 'system:billrun',
    },
    { lease: { closer: 'bench', clock: () => Date.parse('2026-02-02T06:00:01.000Z') } },
  );
  const closeS = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const state = foldBillRun(await world.store.readStream(billRunStream(runId)));
  console.log(
    JSON.stringify({
      meters: METERS,
      startRunSeconds: Number(startS.toFixed(2)),
      runWriterAsksSeconds: Number(asksS.toFixed(2)),
      runWriterAnswersSeconds: Number(answersS.toFixed(2)),
      closeSeconds: Number(closeS.toFixed(2)),
      metersPerSecond: Math.round(METERS / closeS),
      nodeCpuMsPerMeter: Number(((cpu.user + cpu.system) / 1000 / METERS).toFixed(3)),
      storeCalls: calls,
      storeCallMs: ms,
      completed: state.status === 'completed',
      progress: closed.progress,
      loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
    }),
  );
} finally {
  await world.close();
}
