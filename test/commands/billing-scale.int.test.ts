// Bill runs at scale on real Postgres: two closes of the same run at once (two
// gateways past the deadline, or an admin beside the scheduler) bill every
// answered meter exactly once and skip none; a run of 3,000 meters, listed
// over several events and answered through the gateways' batch writer,
// closes in one call and completes with every meter billed or missed.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  billMeter,
  closeBillRun,
  recordMeterAnswer,
  startBillRun,
  storeBillingPorts,
} from '../../src/commands/billing.ts';
import { billStream } from '../../src/domain/billing/index.ts';
import { meterBillingStream } from '../../src/domain/billing/meterbilling/index.ts';
import { billRunStream, foldBillRun } from '../../src/domain/billrun/index.ts';
import { propertyStream } from '../../src/domain/property/index.ts';
import { receivableStream } from '../../src/domain/receivable/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/port.ts';
import { foldRun, RunWriter } from '../../src/iot/billrun/run-writer.ts';
import { installMany } from './billing-bulk.ts';
import {
  createBillingWorld,
  deadlineOf,
  meta,
  runMeter,
  type BillingWorld,
} from './billing-fixtures.ts';
import { meterFacts, type MeterFactKind } from '../domain/billrun/run-facts.ts';

const PERIOD = '2026-01';
const STARTED_AT = '2026-02-01T00:00:00Z';
const ANSWERED_AT = '2026-02-01T01:00:00Z';
const closingAt = '2026-01-31T12:00:00Z';
const whOf = (i: number) => 40_000 + (i % 50) * 3_000;

let world: BillingWorld;
beforeAll(async () => {
  world = await createBillingWorld();
});
afterAll(() => world?.close());

const eventsOf = (stream: string) => world.store.readStream(stream);
const countBy = (events: RecordedEvent[], kind: MeterFactKind) => {
  const counts = new Map<string, number>();
  for (const f of meterFacts(events))
    if (f.kind === kind) counts.set(f.meterId, (counts.get(f.meterId) ?? 0) + 1);
  return counts;
};

describe('bill runs at scale', () => {
  it('two closes at once bill each answered meter exactly once and skip none', async () => {
    const meters = await installMany(world, 60, closingAt, whOf);
    const [answering, silent] = [meters.slice(0, 50), meters.slice(50)];
    const runId = randomUUID();
    const start = {
      runId,
      period: PERIOD,
      deadline: deadlineOf(PERIOD),
      meters: meters.map(runMeter),
    };
    await startBillRun(world.deps, start, meta(world.superuser, STARTED_AT));
    for (const m of answering)
      await recordMeterAnswer(world.deps, { runId, ...m }, meta('system:billrun', ANSWERED_AT));

    // Two gateways share the close's command id; an admin's close has its own.
    const gatewayClose = (now: string) => ({
      now,
      commandId: `billrun-close/${runId}`,
      actor: 'system:billrun',
    });
    const closes = await Promise.all([
      closeBillRun(world.deps, { runId }, gatewayClose('2026-02-02T06:00:01.000Z'), {
        concurrency: 3,
      }),
      closeBillRun(world.deps, { runId }, gatewayClose('2026-02-02T06:00:02.000Z'), {
        concurrency: 5,
      }),
      closeBillRun(world.deps, { runId }, meta(world.superuser, '2026-02-02T06:00:03Z'), {
        concurrency: 4,
      }),
    ]);

    for (const close of closes) expect(close.refused).toEqual([]);
    const run = await eventsOf(billRunStream(runId));
    expect(meterFacts(run).filter((f) => f.kind === 'skipped')).toEqual([]);
    expect(run.filter((e) => e.type === 'BillRunCompleted').map((e) => e.data)).toEqual([
      expect.objectContaining({ billed: 50, missed: 10, skipped: 0 }),
    ]);
    const billed = countBy(run, 'billed');
    const missed = countBy(run, 'missed');
    for (const m of answering) {
      expect(billed.get(m.meterId), m.meterId).toBe(1);
      const bill = await eventsOf(billStream(m.propertyId, PERIOD));
      expect(bill.map((e) => e.type)).toEqual(['BillIssued']);
      expect(bill[0]!.data).toMatchObject({ closingWh: whOf(m.n), openingWh: 0 });
      const charges = (await eventsOf(receivableStream(m.propertyId))).filter(
        (e) => e.type === 'BillCharged',
      );
      expect(charges).toHaveLength(1);
      const history = await eventsOf(meterBillingStream(m.meterId));
      expect(history.map((e) => e.type)).toEqual(['PeriodBilled']);
    }
    for (const m of silent) {
      expect(missed.get(m.meterId)).toBe(1);
      const history = await eventsOf(meterBillingStream(m.meterId));
      expect(history.map((e) => [e.type, e.data.consecutiveMisses])).toEqual([['PeriodMissed', 1]]);
      const property = await eventsOf(propertyStream(m.propertyId));
      expect(property.filter((e) => e.type === 'PropertyFlaggedForMissedReading')).toHaveLength(1);
    }
  });

  it('counts a bill another close issued and recorded meanwhile as billed, not skipped', async () => {
    const [m] = await installMany(world, 1, closingAt, whOf);
    const runId = randomUUID();
    const start = { runId, period: PERIOD, deadline: deadlineOf(PERIOD), meters: [runMeter(m!)] };
    await startBillRun(world.deps, start, meta(world.superuser, STARTED_AT));
    await recordMeterAnswer(world.deps, { runId, ...m! }, meta('system:billrun', ANSWERED_AT));
    // This close looks for the period's bill, finds none, and just before it
    // reads the meter's billing history, another close bills the meter fully.
    let raced = false;
    const store: EventStore = Object.create(world.store);
    store.readStream = async (stream, options) => {
      if (stream === meterBillingStream(m!.meterId) && !raced) {
        raced = true;
        await billMeter(
          world.deps,
          { runId, meterId: m!.meterId },
          meta('system:billrun', ANSWERED_AT),
        );
      }
      return world.store.readStream(stream, options);
    };
    const late = await billMeter(
      { store, ports: storeBillingPorts(world.store) },
      { runId, meterId: m!.meterId },
      meta('system:billrun', ANSWERED_AT),
    );
    expect(raced).toBe(true);
    expect(late).toMatchObject({ outcome: 'billed' });
    const run = await eventsOf(billRunStream(runId));
    expect(run.map((e) => e.type)).toEqual([
      ...['BillRunStarted', 'MetersAnswered', 'MetersBilled', 'BillRunCompleted'],
    ]);
    expect(await eventsOf(billStream(m!.propertyId, PERIOD))).toHaveLength(1);
  });

  it(
    'lists, answers and closes a run of 3,000 meters in one call',
    { timeout: 50_000 },
    async () => {
      const meters = await installMany(world, 3000, closingAt, whOf);
      const runId = randomUUID();
      const start = {
        runId,
        period: PERIOD,
        deadline: deadlineOf(PERIOD),
        meters: meters.map(runMeter),
      };
      await startBillRun(world.deps, start, meta(world.superuser, STARTED_AT));
      const listed = await eventsOf(billRunStream(runId));
      expect(listed.map((e) => e.type)).toEqual([
        'BillRunStarted',
        'BillRunMetersListed',
        'BillRunMetersListed',
      ]);

      // The gateways' path: answers batched per run, decided against the followed state.
      const errors: unknown[] = [];
      const writer = new RunWriter(world.store, (e) => errors.push(e));
      const tracked = foldRun(runId, listed);
      for (const m of meters.slice(100)) {
        const { meterId, readingEventId, readingRevision } = m;
        writer.submit(tracked, {
          type: 'RecordMeterAnswer',
          data: { meterId, readingEventId, readingRevision },
          metadata: meta('system:billrun', ANSWERED_AT),
        });
      }
      await writer.drain();
      expect(errors).toEqual([]);

      const closed = await closeBillRun(
        world.deps,
        { runId },
        {
          now: '2026-02-02T06:00:01.000Z',
          commandId: `billrun-close/${runId}`,
          actor: 'system:billrun',
        },
      );
      expect(closed.refused).toEqual([]);
      expect(closed.missed).toHaveLength(100);
      expect(closed.progress).toEqual({
        ...{ total: 3000, asked: 0, answered: 2900 },
        ...{ billed: 2900, missed: 100, skipped: 0 },
      });
      const run = await eventsOf(billRunStream(runId));
      const state = foldBillRun(run);
      expect(state.status).toBe('completed');
      // Outcomes in batch events: 3 listing, 3 of answers (the writer's 2,900
      // in events of 1,000), 100 misses, a claim-free close, 3 of bills, completion.
      const types = run.map((e) => e.type);
      expect(types.filter((t) => t === 'MetersAnswered')).toHaveLength(3);
      expect(types.filter((t) => t === 'MetersBilled')).toHaveLength(3);
      expect(types.filter((t) => t === 'MeterReadingMissed')).toHaveLength(100);
      expect(run).toHaveLength(3 + 3 + 100 + 3 + 1);
      const sample = meters[1234]!;
      const bill = await eventsOf(billStream(sample.propertyId, PERIOD));
      expect(bill[0]!.data).toMatchObject({ closingWh: whOf(sample.n), runId });
    },
  );
});
