// Bill run end to end: BILLRUN_METERS approved properties with meters
// (default 20,000), all connected over real WebSockets, billed in runs of
// RUN_SIZE (default: one run of every meter; the decider allows 50,000), from
// the first startBillRun to the last BillRunCompleted. A process may hold at most
// `ulimit -n` (20,000 here) sockets, so meters are split over two gateways
// (this process and a child) and two fleet processes, and the gateways share
// the runs. The last stdout line is JSON for docs/benchmarks.md.
// BENCH_PROFILE=<file.cpuprofile> profiles gw-a's process during the runs.

import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { startBillRun, storeBillingPorts, type BillingDeps } from '../src/commands/billing.ts';
import { postgresDatabase } from '../src/db/postgres.ts';
import {
  applyBillRunEvent,
  billRunProgress,
  billRunStream,
  initialState,
  type BillRunEvent,
  type BillRunState,
} from '../src/domain/billrun/index.ts';
import { migrate, openPostgresEventStore } from '../src/eventstore/postgres/index.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { samplePostgresCpu } from './support/postgres-cpu.ts';
import { startProfile } from './support/profile.ts';
import { phaseMarks } from './support/billrun-phases.ts';
import { childRole, cpuSince } from './support/billrun-roles.ts';
import {
  CLOSE_JITTER_MS,
  CONNECT_JITTER_MS,
  DEADLINE_S,
  MAX_SECONDS,
  METERS,
  meterId,
  propertyId,
  RUN_SIZE,
  setUp,
  startGateway,
  SUPERUSER,
} from './support/billrun-setup.ts';

function spawn(args: string[], env: Record<string, string>) {
  const child = fork(new URL(import.meta.url).pathname, args, {
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
  });
  const messages: { type: string; [k: string]: unknown }[] = [];
  let wake = () => {};
  child.on('message', (m: { type: string }) => (messages.push(m), wake()));
  const next = async (type: string) => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      await new Promise<void>((r) => (wake = r));
    }
  };
  return { child, next };
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_billrun');
  const db = postgresDatabase(database.url);
  const children: ChildProcess[] = [];
  try {
    await migrate(db);
    const store = openPostgresEventStore(db);
    const deps: BillingDeps = { store, ports: storeBillingPorts(store) };
    await setUp(store, deps);
    process.stderr.write(`${METERS} meters and properties registered\n`);
    const gatewayA = await startGateway(store, 'gw-a');
    const b = spawn(['--gateway'], { BENCH_DB: database.url });
    children.push(b.child);
    const urlB = (await b.next('url')).url as string;
    const half = Math.ceil(METERS / 2);
    const fleets = [
      spawn(['--fleet'], { GATEWAY_URL: gatewayA.url!, FROM: '0', TO: String(half) }),
      spawn(['--fleet'], { GATEWAY_URL: urlB, FROM: String(half), TO: String(METERS) }),
    ];
    children.push(...fleets.map((f) => f.child));
    await Promise.all(fleets.map((f) => f.next('connected')));
    process.stderr.write(`all ${METERS} meters connected; starting runs\n`);

    // BENCH_PROFILE=<file.cpuprofile> profiles this process (gw-a and the
    // progress poll) from the first startBillRun to the last completion.
    const stopProfile = await startProfile((message) => process.stderr.write(`${message}\n`));
    const postgresCpu = await samplePostgresCpu(db);
    b.child.send({ type: 'start' });
    const cpuA0 = process.cpuUsage();
    const t0 = performance.now();
    const t0Wall = Date.now();
    const deadline = new Date(Date.now() + DEADLINE_S * 1000).toISOString();
    const runIds: string[] = [];
    await Promise.all(
      Array.from({ length: Math.ceil(METERS / RUN_SIZE) }, async (_, r) => {
        const runId = crypto.randomUUID();
        runIds.push(runId);
        const meters = Array.from(
          { length: Math.min(RUN_SIZE, METERS - r * RUN_SIZE) },
          (_, k) => ({
            meterId: meterId(r * RUN_SIZE + k),
            propertyId: propertyId(r * RUN_SIZE + k),
          }),
        );
        await startBillRun(
          deps,
          { runId, period: '2026-10', deadline, meters },
          {
            now: new Date().toISOString(),
            commandId: crypto.randomUUID(),
            actor: SUPERUSER,
          },
        );
      }),
    );
    const startedS = (performance.now() - t0) / 1000;
    // Poll the runs (reading only what each run stream gained since the last
    // look): when every meter's answer is recorded, and when every run completed.
    const followed = new Map<string, { state: BillRunState; revision: number }>(
      runIds.map((runId) => [runId, { state: initialState, revision: -1 }]),
    );
    let answeredS: number | null = null;
    const marks = phaseMarks(t0Wall);
    let progress = { answered: 0, billed: 0, missed: 0, skipped: 0, completed: 0 };
    while ((performance.now() - t0) / 1000 < MAX_SECONDS) {
      progress = { answered: 0, billed: 0, missed: 0, skipped: 0, completed: 0 };
      for (const [runId, run] of followed) {
        const events = await store.readStream(billRunStream(runId), {
          fromRevision: run.revision + 1,
        });
        for (const e of events) {
          run.state = applyBillRunEvent(run.state, e as unknown as BillRunEvent);
          marks.see(e);
        }
        run.revision += events.length;
        const p = billRunProgress(run.state);
        progress.answered += p.answered;
        progress.billed += p.billed;
        progress.missed += p.missed;
        progress.skipped += p.skipped;
        if (run.state.status === 'completed') progress.completed++;
      }
      if (answeredS === null && progress.answered >= METERS)
        answeredS = (performance.now() - t0) / 1000;
      if (progress.completed === runIds.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpuA = cpuSince(cpuA0);
    const cpuPostgres = await postgresCpu();
    await stopProfile();
    const totals = progress;
    const phases = marks.phases(totals.billed + totals.missed + totals.skipped);
    const seconds = (performance.now() - t0) / 1000;
    fleets.forEach((f) => f.child.send({ type: 'stop' }));
    const done = await Promise.all(fleets.map((f) => f.next('done')));
    b.child.send({ type: 'billing' });
    const { type: _, cpuSeconds: cpuB, ...billingB } = await b.next('billing');
    /** Each gateway's pipelined billing: meters billed (or skipped) as their answers were recorded. */
    const pipelinedBilling = { 'gw-a': gatewayA.fanOut?.billingStats(), 'gw-b': billingB };
    console.log(
      JSON.stringify({
        meters: METERS,
        runs: runIds.length,
        completed: totals.completed === runIds.length,
        seconds: totals.completed === runIds.length ? Number(seconds.toFixed(1)) : null,
        allAnsweredSeconds: answeredS === null ? null : Number(answeredS.toFixed(1)),
        waitedSeconds: Number(seconds.toFixed(1)),
        /** Events of the runs' streams (listing, asks, answers, claims, outcomes, completion). */
        runEvents: [...followed.values()].reduce((n, run) => n + run.revision + 1, 0),
        billed: totals.billed,
        missed: totals.missed,
        skipped: totals.skipped,
        deadlineSeconds: DEADLINE_S,
        closeJitterMs: CLOSE_JITTER_MS ?? null,
        ...phases,
        pipelinedBilling,
        connectJitterMs: CONNECT_JITTER_MS,
        startRunsSeconds: Number(startedS.toFixed(1)),
        readsAnswered: done.reduce((n, d) => n + (d.answered as number), 0),
        /**
         * CPU of each gateway's process over the runs (gw-a's includes this
         * process's polling of the runs for progress and, with BENCH_PROFILE, the profiler).
         */
        gatewayCpuSeconds: {
          'gw-a': Number(cpuA.toFixed(1)),
          'gw-b': Number((cpuB as number).toFixed(1)),
        },
        /** Postgres over the runs: this database's backends, and the server's shared processes. */
        postgresCpuSeconds: {
          backends: Number(cpuPostgres.backends.toFixed(1)),
          shared: Number(cpuPostgres.shared.toFixed(1)),
        },
        generatorCpuSeconds: Number(
          done.reduce((n, d) => n + (d.cpuSeconds as number), 0).toFixed(1),
        ),
        loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
      }),
    );
    // No graceful close: a gateway would wait for a close still billing when MAX_SECONDS cut in.
  } finally {
    children.forEach((c) => c.kill());
    await database.drop();
    process.exit(0);
  }
}

const role = process.argv.find((a) => a === '--gateway' || a === '--fleet');
if (role) await childRole(role);
else await main();
