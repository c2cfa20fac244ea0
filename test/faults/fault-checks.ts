// What every fault test asserts once the dust settles: each reading a meter
// sent stored once, read models that equal a clean rebuild from the log, and
// an audit that passes. Plus a polling wait, a ticker that keeps the fleet
// sending, an ack log and the fleet's state for failure messages.

import { expect } from 'vitest';
import { runAudit, type AuditReport } from '../../src/audit/run-audit.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { meterStream } from '../../src/domain/meter/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { allProjections, startProjections } from '../../src/projections/index.ts';
import { rebuildProjections } from '../../src/projections/rebuild.ts';
import type { Fleet } from '../../devices/fleet.ts';
import { dumpReadModels } from '../projections/fixtures/dump.ts';

export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Every connected meter sends one reading each `everyMs` until stopped. */
export function keepSending(fleet: Fleet, everyMs: number): { stop(): void } {
  const timer = setInterval(() => {
    for (const m of fleet.meters) m.sendReading();
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}

/** Stops the ticker and waits until every reading the fleet sent is acked (timed as drainMs). */
export async function stopAndDrain(
  fleet: Fleet,
  sending: { stop(): void },
  mark: (phase: string, since: number) => void,
): Promise<void> {
  sending.stop();
  const t = Date.now();
  await until(
    'every reading sent was acked',
    () => fleet.meters.every((m) => m.unacked.size === 0),
    15_000,
  );
  mark('drainMs', t);
}

/** Acks the fleet saw, by meter. */
export class AckLog {
  readonly acked = new Map<string, Set<number>>();
  total = 0;
  readonly onAck = (meterId: string, seq: number): void => {
    const seqs = this.acked.get(meterId) ?? new Set<number>();
    if (!seqs.has(seq)) this.total++;
    seqs.add(seq);
    this.acked.set(meterId, seqs);
  };
}

/** The seqs of the readings stored in the meter's stream, in stream order (duplicates kept). */
async function storedSeqs(store: EventStore, meterId: string): Promise<number[]> {
  const events = await store.readStream(meterStream(meterId));
  return events.filter((e) => e.type === 'ReadingRecorded').map((e) => e.data.seq as number);
}

/**
 * Brings the read models to the head of the log (runners started here pick up
 * from the checkpoints the server left, killed or not), dumps them, rebuilds
 * every read model from position 0 in a staging schema and swaps it in, and
 * returns both dumps for the caller to compare.
 */
async function liveAndRebuilt(store: EventStore, db: SqlDatabase) {
  // The log shows only events of transactions older than the oldest one still
  // running anywhere in the Postgres cluster (see src/eventstore/postgres/
  // read.ts), and test files running beside this one hold such transactions
  // in their own databases: wait until every committed event is readable, or
  // the head below stops short of readings the server stored.
  await until(
    'every committed event of the log is readable',
    async () => {
      const { rows } = await db.query<{ hidden: number }>(
        `SELECT count(*)::int AS hidden FROM events
         WHERE NOT (transaction_id < pg_snapshot_xmin(pg_current_snapshot()))`,
      );
      return rows[0]!.hidden === 0;
    },
    20_000,
  );
  const head = await store.headPosition();
  const running = await startProjections({ store, readDb: db });
  try {
    if (head !== null && !(await running.waitFor(head, { timeoutMs: 20_000 })))
      throw new Error('read models did not reach the head of the log');
  } finally {
    await running.stop();
  }
  const live = await dumpReadModels(db, allProjections);
  await rebuildProjections({ store, readDb: db, projections: allProjections });
  const rebuilt = await dumpReadModels(db, allProjections);
  return { live, rebuilt };
}

/** The audit's failures, one line each (empty when it passes). */
async function auditFailures(
  store: EventStore,
  db: SqlDatabase,
): Promise<{ report: AuditReport; failures: string[] }> {
  const report = await runAudit({ store, db });
  const failures = report.checks.flatMap((c) =>
    c.failures.map((f) => `${c.id}: ${f.stream} @ ${f.revision}: ${f.reason}`),
  );
  return { report, failures };
}

/** The fleet's state and the server's warnings, for a failure message. */
export function fleetState(fleet: Fleet, serverOutput = ''): string {
  const meters = fleet.meters.map(
    (m) =>
      `${m.meterId.slice(0, 8)} connected=${m.connected} sent=${m.sent} unacked=[${[...m.unacked.keys()].join(',')}]`,
  );
  const warnings = serverOutput
    .split('\n')
    .filter((line) => /"level":(40|50|60)|error/i.test(line))
    .slice(-15);
  return [...meters, ...warnings].join('\n');
}

/** Rows per read-model table. */
const rowCounts = (dump: Record<string, string[]>): Record<string, number> =>
  Object.fromEntries(Object.entries(dump).map(([table, rows]) => [table, rows.length]));

/**
 * Each meter's stream holds every seq the meter sent exactly once, in order,
 * with every acked one among them, and the fleet saw no ack for anything it
 * did not send. Returns how many readings the fleet sent.
 */
export async function expectEachReadingStoredOnce(
  store: EventStore,
  fleet: Fleet,
  acks: AckLog,
): Promise<number> {
  let sent = 0;
  for (const m of fleet.meters) {
    const seqs = await storedSeqs(store, m.meterId);
    // Exactly once: each seq the meter used, in order, none twice, none missing.
    expect(seqs).toEqual(Array.from({ length: m.sent }, (_, i) => i + 1));
    for (const seq of acks.acked.get(m.meterId) ?? []) expect(seqs).toContain(seq);
    sent += m.sent;
  }
  expect(acks.total).toBe(sent);
  return sent;
}

/**
 * The read models equal a clean rebuild (with `readings` meter readings, when
 * given) and the audit passes; both phases timed into `mark`.
 */
export async function expectRebuiltAndAudited(
  store: EventStore,
  db: SqlDatabase,
  mark: (phase: string, since: number) => void,
  readings?: number,
): Promise<void> {
  let t = Date.now();
  const { live, rebuilt } = await liveAndRebuilt(store, db);
  mark('rebuildMs', t);
  // Row counts first: a short table names itself without a diff of every row.
  expect(rowCounts(live)).toEqual(rowCounts(rebuilt));
  if (readings !== undefined) expect(live.meter_readings!.length).toBe(readings);
  expect(rebuilt).toEqual(live);
  t = Date.now();
  const audit = await auditFailures(store, db);
  mark('auditMs', t);
  expect(audit.failures).toEqual([]);
  expect(audit.report.ok).toBe(true);
}
