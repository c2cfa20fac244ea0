// SIGKILL in the middle of a bill run's billing: `ledger serve` runs the
// gateway with its bill-run fan-out; most meters are online and answer the
// run's `read` requests, a few stay offline. The gateway bills each answer
// as soon as it has recorded it (pipelined billing), and when the deadline
// passes it closes the run (records the misses, flags their properties, then
// waits for its own billing and bills what is left). The test holds one
// meter's bill stream with an uncommitted insert before that meter connects
// and answers, so its billing cannot finish and neither can the close; it
// kills the process then and starts it again. The restarted gateway finds
// the run still open and finishes the close, billing the answer the killed
// one recorded and never billed. Every meter of the run is then billed
// exactly once (one bill, one charge, one history entry) or recorded missed,
// the read models equal a clean rebuild, and the audit passes.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Fleet } from '../../devices/fleet.ts';
import { startBillRun, storeBillingPorts } from '../../src/commands/billing.ts';
import { billStream } from '../../src/domain/billing/index.ts';
import { meterBillingStream } from '../../src/domain/billing/meterbilling/events.ts';
import { billRunDecider, billRunStream } from '../../src/domain/billrun/index.ts';
import { receivableStream } from '../../src/domain/receivable/events.ts';
import { countFacts } from '../domain/billrun/run-facts.ts';
import { openFaultWorld, type OpenedFaultWorld } from '../support/fault-world.ts';
import { freePort, startLedgerServe, type LedgerProcess } from '../support/ledger-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { AckLog, expectRebuiltAndAudited, until } from './fault-checks.ts';
import { phaseTimer } from './phase-timer.ts';

const ONLINE = 24;
const OFFLINE = 3;
let database: TestDatabase;
let world: OpenedFaultWorld;
let server: LedgerProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase('fault');
  world = await openFaultWorld(database.url, ONLINE + OFFLINE);
});

afterAll(async () => {
  await server?.kill('SIGKILL');
  await world?.close();
  await database?.drop();
});

/** The month before the current one (UTC), YYYY-MM. */
const lastMonth = (now = new Date()): string =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);

it('bills every meter of a run exactly once (or records it missed) across a SIGKILL mid-close', async () => {
  const { store, db, env } = world;
  const port = await freePort();
  const { timings, mark } = phaseTimer('kill-billrun');
  let t = Date.now();
  server = await startLedgerServe(port, env);
  mark('firstStartMs', t);

  const online = world.meters.slice(0, ONLINE);
  // The held meter connects only once its bill stream is held (its answer is its first reading).
  const held = online[ONLINE - 1]!;
  const acks = new AckLog();
  const fleetOf = (meters: typeof online) =>
    Fleet.create({
      url: `ws://127.0.0.1:${port}/iot/v1`,
      meters: meters.map((m) => m.spec),
      backoff: { baseMs: 100, maxMs: 1_000 },
      onAck: acks.onAck,
    });
  const fleet = fleetOf(online.slice(0, ONLINE - 1));
  const heldFleet = fleetOf([held]);
  fleet.connect(100);
  const runId = randomUUID();
  const period = lastMonth();
  // Straight from the table: log readers wait for the test's open transaction.
  const runEvents = async () =>
    (
      await db.query<{ type: string; data: Record<string, unknown> }>(
        'SELECT type, data FROM events WHERE stream = $1 ORDER BY revision',
        [billRunStream(runId)],
      )
    ).rows;
  const runTypes = async () => (await runEvents()).map((e) => e.type);
  let stateAtKill: { type: string; data: Record<string, unknown> }[] | undefined;
  const blocker = new pg.Client({ connectionString: database.url });
  let billsAtKill: number | undefined;
  try {
    await fleet.waitConnected();
    // An opening reading for each online meter (the first reading opens the first bill).
    for (const m of fleet.meters) m.sendReading();
    await until('opening readings acked', () => acks.total >= ONLINE - 1, 10_000);

    const now = new Date();
    const deadline = now.getTime() + 6_000;
    await startBillRun(
      { store, ports: storeBillingPorts(store) },
      {
        runId,
        period,
        deadline: new Date(deadline).toISOString(),
        meters: world.meters.map((m) => ({ meterId: m.meterId, propertyId: m.propertyId })),
      },
      { actor: world.superuser, now: now.toISOString(), commandId: randomUUID() },
    );
    t = Date.now();
    await until(
      'every connected meter answered',
      async () => countFacts(await runEvents(), 'answered') >= ONLINE - 1,
      15_000,
      50,
    );
    mark('answeredMs', t);
    // Taken only now: an open writing transaction also holds back every log reader
    // (the fan-out's subscription included), but not the gateway's own reads and
    // writes of streams, nor its asking a meter that connects.
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(
      "INSERT INTO streams (stream, revision, last_hash) VALUES ($1, 0, 'held by the test')",
      [billStream(held.propertyId, period)],
    );
    heldFleet.connect(0);
    await until(
      'the held meter answered',
      async () => countFacts(await runEvents(), 'answered') >= ONLINE,
      15_000,
      50,
    );
    expect(Date.now(), 'answered after the deadline').toBeLessThan(deadline);
    t = Date.now();
    // The deadline passes, then (after up to 5 s of jitter) the close records the
    // misses and waits for the gateway's own billing, which cannot finish: the held
    // meter's bill stream is held by an uncommitted insert. The kill lands while it
    // bills, whatever the machine's speed. (Bills are written in batches: had the
    // held stream shared a batch with others, none of them would be committed yet.)
    const billsIssued = async () => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM events WHERE type = 'BillIssued' AND data->>'period' = $1",
        [period],
      );
      return rows[0]!.n;
    };
    await until(
      'the close to record the misses',
      async () => countFacts(await runEvents(), 'missed') > 0,
      15_000,
      20,
    );
    await until(
      'the close to bill the other meters',
      async () => (await billsIssued()) >= ONLINE - 1,
      3_000,
      50,
    ).catch(() => undefined);
    await server.kill('SIGKILL');
    mark('killedInCloseAfterMs', t);
    await blocker.query('ROLLBACK');
    billsAtKill = await billsIssued();
    stateAtKill = await runEvents();
    expect(
      stateAtKill.map((e) => e.type),
      'the run completed before the kill',
    ).not.toContain('BillRunCompleted');

    t = Date.now();
    server = await startLedgerServe(port, env);
    mark('restartMs', t);
    t = Date.now();
    await until(
      'the restarted gateway to complete the run',
      async () => (await runTypes()).includes('BillRunCompleted'),
      20_000,
      100,
    );
    mark('completedAfterRestartMs', t);
  } finally {
    await blocker.end().catch(() => undefined);
    await fleet.stop();
    await heldFleet.stop();
  }
  await server.kill('SIGTERM');
  server = undefined;

  const run = (await store.readStream(billRunStream(runId))).reduce(
    (s, e) => billRunDecider.evolve(s, e as never),
    billRunDecider.initialState,
  );
  if (run.status === 'none') throw new Error('run vanished');
  expect(run.status).toBe('completed');
  const killedBilled = countFacts(stateAtKill ?? [], 'billed');
  expect(killedBilled).toBeLessThan(ONLINE);
  for (const [i, m] of world.meters.entries()) {
    const status = run.meters[m.meterId]?.status;
    const bills = (await store.readStream(billStream(m.propertyId, period))).filter(
      (e) => e.type === 'BillIssued',
    );
    const charges = (await store.readStream(receivableStream(m.propertyId))).filter(
      (e) => e.type === 'BillCharged',
    );
    const history = (await store.readStream(meterBillingStream(m.meterId))).filter(
      (e) => e.data.period === period,
    );
    if (i < ONLINE) {
      expect({ meter: i, status }).toEqual({ meter: i, status: 'billed' });
      expect(bills).toHaveLength(1);
      expect(charges.map((e) => e.data.billId)).toEqual([bills[0]!.data.billId]);
      expect(history.map((e) => e.type)).toEqual(['PeriodBilled']);
    } else {
      expect({ meter: i, status }).toEqual({ meter: i, status: 'missed' });
      expect(bills).toHaveLength(0);
      expect(charges).toHaveLength(0);
      expect(history.map((e) => e.type)).toEqual(['PeriodMissed']);
    }
  }
  const runFacts = await runEvents();
  expect(countFacts(runFacts, 'billed')).toBe(ONLINE);
  expect(countFacts(runFacts, 'missed')).toBe(OFFLINE);

  await expectRebuiltAndAudited(store, db, mark);
  console.log(
    JSON.stringify({
      test: 'kill-billrun',
      meters: ONLINE + OFFLINE,
      billsAtKill,
      meterBilledAtKill: killedBilled,
      ...timings,
    }),
  );
}, 55_000);
