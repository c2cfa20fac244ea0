// How long a running verification job holds the event loop: a ledger with
// READINGS signed readings (real signatures, Postgres store) is verified as
// a background job (src/audit/jobs.ts) while a 10 ms timer measures how late
// it fires, as a request arriving meanwhile would wait. Run per page size
// (50 to 1000 events; the job uses 100, runAudit alone 1000, for
// comparison). The last stdout line is JSON.

import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAuditJobs, countLogEvents, type AuditJob } from '../src/audit/jobs.ts';
import { runAudit } from '../src/audit/run-audit.ts';
import { meterStream } from '../src/domain/meter/index.ts';
import { createAuditLedger, METER_SECRET, signReading } from '../test/audit/ledger-fixture.ts';

const READINGS = Number(process.env.READINGS ?? 5000);
const log = (message: string) => process.stderr.write(`${message}\n`);

const ledger = await createAuditLedger();
try {
  const stream = meterStream(ledger.meterId);
  const existing = await ledger.store.readStream(stream);
  let seq = existing.filter((e) => e.type === 'ReadingRecorded').length;
  let register = 150_000;
  log(`appending ${READINGS} signed readings…`);
  for (let done = 0; done < READINGS; done += 500) {
    const events = Array.from({ length: Math.min(500, READINGS - done) }, () => {
      seq++;
      register += 250;
      const readAt = new Date(Date.parse('2026-03-01T00:00:00Z') + seq * 900_000).toISOString();
      const signature = signReading(METER_SECRET, {
        ...{ meterId: ledger.meterId, seq, registerWh: register, readAt, requestId: null },
      });
      const data = { seq, registerWh: register, readAt, signature, receivedAt: readAt };
      return {
        id: randomUUID(),
        type: 'ReadingRecorded',
        data: { ...data, runId: null, requestId: null },
      };
    });
    await ledger.store.append(stream, events);
  }

  const measure = async (pageSize: number) => {
    const jobs = createAuditJobs({
      run: (options) => runAudit({ store: ledger.store }, options),
      countEvents: () => countLogEvents((o) => ledger.store.readAll(o)),
      pageSize,
    });
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    let worstLateMs = 0;
    let expected = performance.now() + 10;
    const timer = setInterval(() => {
      const now = performance.now();
      worstLateMs = Math.max(worstLateMs, now - expected);
      expected = now + 10;
    }, 10);
    histogram.enable();
    const started = performance.now();
    const { job } = jobs.start();
    await jobs.idle();
    const seconds = (performance.now() - started) / 1000;
    histogram.disable();
    clearInterval(timer);
    const final = jobs.get(job.id) as AuditJob;
    if (final.status !== 'passed')
      throw new Error(`audit ${final.status}: ${JSON.stringify(final.report)}`);
    const result = {
      pageSize,
      events: final.report!.eventsReplayed,
      seconds: Number(seconds.toFixed(2)),
      loopDelayP99Ms: Number((histogram.percentile(99) / 1e6).toFixed(1)),
      loopDelayMaxMs: Number((histogram.max / 1e6).toFixed(1)),
      timerWorstLateMs: Number(worstLateMs.toFixed(1)),
    };
    log(JSON.stringify(result));
    return result;
  };
  // The same timer with no job running: on a shared machine, what the scheduler alone costs.
  const idle = async () => {
    let worst = 0;
    let expected = performance.now() + 10;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - expected);
      expected = now + 10;
    }, 10);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    clearInterval(timer);
    return Number(worst.toFixed(1));
  };
  const idleWorstLateMs = await idle();
  log(`idle: timer at worst ${idleWorstLateMs} ms late`);
  const runs = [];
  for (const size of [50, 100, 200, 1000]) runs.push(await measure(size));
  process.stdout.write(`${JSON.stringify({ readings: READINGS, idleWorstLateMs, runs })}\n`);
} finally {
  await ledger.close();
}
