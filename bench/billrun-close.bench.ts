// The bill-run close alone, without gateways or meters: CLOSE_METERS
// (default 5,000) approved properties with a meter and an opening reading,
// one run of all of them, every meter asked and answered through the
// gateways' run writer (timed), then one `closeBillRun` with a lease, timed. Prints wall time,
// Node CPU per meter and the event-store calls the close made (contention-
// robust, unlike the wall time on a shared machine). Last line: JSON.
// BENCH_PROFILE=<file.cpuprofile> profiles this process during the close alone.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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
import { startProfile } from './support/profile.ts';

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

/** Local ports of this process's TCP connections (from /proc: Linux only). */
function ownPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length > 9 && inodes.has(fields[9]!))
      ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
  }
  return ports;
}

/**
 * CPU time (ms) per Postgres backend serving this process (the shared server
 * also serves other helpers' databases), found by its client port in the
 * backend's title; null where /proc cannot tell (another OS, a remote server).
 */
function postgresCpuMs(): Map<number, number> | null {
  try {
    const ports = ownPorts();
    const cpu = new Map<number, number>();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        const port = /\((\d+)\)/.exec(title)?.[1];
        if (!title.startsWith('postgres:') || !port || !ports.has(Number(port))) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // After the ")" closing the command name, utime and stime are the 12th and 13th fields.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu.set(Number(pid), (Number(fields[11]) + Number(fields[12])) * 10); // USER_HZ 100
      } catch {
        // exited meanwhile
      }
    }
    return cpu;
  } catch {
    return null;
  }
}

/** CPU the backends spent between two looks (a backend new since the first counts from 0). */
function postgresCpuSince(before: Map<number, number> | null, after: Map<number, number> | null) {
  if (!before || !after) return null;
  let ms = 0;
  for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? 0);
  return ms;
}

const pgCpuPerMeter = (ms: number | null) =>
  ms === null ? null : Number((ms / METERS).toFixed(3));

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
  const stopProfile = await startProfile((message) => process.stderr.write(`${message}\n`));
  const pgCpu0 = postgresCpuMs();
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
  const pgCpu1 = postgresCpuMs();
  await stopProfile();
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
      postgresCpuMsPerMeter: pgCpuPerMeter(postgresCpuSince(pgCpu0, pgCpu1)),
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
