// Events in, rows out: bills, receivables and defaulters, tickets, bill runs
// and the activity log on real Postgres, through the live runners.

import { beforeAll, describe, expect, it } from 'vitest';
import { activityOf } from '../../src/projections/activity/index.ts';
import { billRunMeters, getBillRun } from '../../src/projections/billruns/index.ts';
import { billsOf, getBill } from '../../src/projections/bills/index.ts';
import {
  balanceOf,
  defaulters,
  paymentHistory,
} from '../../src/projections/receivables/queries.ts';
import { getTicket, ticketQueue, ticketsOf } from '../../src/projections/tickets/index.ts';
import * as ev from './fixtures/events.ts';
import { A1, A2, useProjections } from './fixtures/harness.ts';

const h = useProjections();
const given = h.given;

// Defaulters name the property's owner and tenant.
beforeAll(async () => {
  await given(
    'property-p1',
    ev.propertyAdded('p1', A1, '2026-01-05T00:00:00.000Z'),
    ev.propertyApproved('g1', 'm1', '2026-01-07T00:00:00.000Z'),
    ev.tenantInvited('i1', A2, A1, '2026-01-08T00:00:00.000Z', '2026-01-15T00:00:00.000Z'),
    ev.tenantAccepted('i1', A2, '2026-01-09T00:00:00.000Z'),
  );
});

describe('bills, receivables and defaulters', () => {
  it('itemises bills and follows balances, allocations, late fees and overdue age', async () => {
    await given(
      'bill-p1_2026-01',
      ev.billIssued('p1', '2026-01', 'm1', A1, '2026-02-01T00:00:00.000Z', 100, 'run-1'),
    );
    const bill = await getBill(h.t.db, 'p1_2026-01');
    expect(bill).toMatchObject({
      units: 100,
      totalPaise: 65_000,
      dueDate: '2026-02-15',
      runId: 'run-1',
    });
    expect(bill!.lines.map((l) => [l.code, l.amountPaise])).toEqual([
      ['ENERGY', 60_000],
      ['FIXED', 5000],
    ]);
    expect((await billsOf(h.t.db, 'p1')).map((b) => b.billId)).toEqual(['p1_2026-01']);

    await given(
      'receivable-p1',
      ev.billCharged('p1_2026-01', '2026-01', 65_000, '2026-02-15', '2026-02-01T00:00:00.000Z'),
      ev.billCharged('p1_2026-02', '2026-02', 30_000, '2026-03-15', '2026-03-01T00:00:00.000Z'),
      ev.paymentReceived(
        'pay-1',
        40_000,
        [{ billId: 'p1_2026-01', amountPaise: 40_000 }],
        0,
        '2026-02-10T00:00:00.000Z',
      ),
      ev.lateFeeApplied('p1_2026-01', 2_000, 25_000, '2026-02-16T00:00:00.000Z'),
    );
    expect(await balanceOf(h.t.db, 'p1')).toMatchObject({
      balancePaise: 57_000,
      chargedPaise: 95_000,
      paidPaise: 40_000,
      lateFeesPaise: 2_000,
      creditPaise: 0,
    });
    expect(await paymentHistory(h.t.db, 'p1')).toMatchObject([
      { kind: 'payment', reference: 'pay-1', amountPaise: 40_000, method: 'upi' },
    ]);
    expect(await defaulters(h.t.db, '2026-03-01')).toEqual([
      {
        propertyId: 'p1',
        ownerId: A1,
        tenantId: A2,
        overduePaise: 27_000,
        overdueBills: 1,
        oldestDueDate: '2026-02-15',
        ageDays: 14,
      },
    ]);
    expect(await defaulters(h.t.db, '2026-03-20')).toMatchObject([
      { overduePaise: 57_000, overdueBills: 2, ageDays: 33 },
    ]);
    expect(await defaulters(h.t.db, '2026-02-15')).toEqual([]);
    expect(await defaulters(h.t.db, '2026-03-01', 30)).toEqual([]);
    await given(
      'receivable-p1',
      ev.paymentReceived(
        'pay-2',
        60_000,
        [
          { billId: 'p1_2026-01', amountPaise: 27_000 },
          { billId: 'p1_2026-02', amountPaise: 30_000 },
        ],
        3_000,
        '2026-03-02T00:00:00.000Z',
      ),
    );
    expect(await balanceOf(h.t.db, 'p1')).toMatchObject({
      balancePaise: -3_000,
      creditPaise: 3_000,
    });
    expect(await defaulters(h.t.db, '2026-04-01')).toEqual([]);
  });
});

describe('tickets, bill runs and activity', () => {
  it('queues tickets with comments and counts bill-run progress', async () => {
    await given(
      'ticket-t1',
      ev.ticketOpened('t1', 'p1', A2, '2026-02-03T00:00:00.000Z'),
      ev.event(
        'TicketCommented',
        {
          author: A2,
          authorRole: 'customer',
          text: 'Still blinking',
          commentedAt: '2026-02-03T01:00:00.000Z',
        },
        '2026-02-03T01:00:00.000Z',
      ),
    );
    await given(
      'ticket-t2',
      ev.ticketOpened('t2', 'p1', A1, '2026-02-04T00:00:00.000Z'),
      ev.event(
        'TicketResolved',
        { by: 'admin-1', resolution: 'Replaced', resolvedAt: '2026-02-05T00:00:00.000Z' },
        '2026-02-05T00:00:00.000Z',
      ),
    );
    expect((await ticketQueue(h.t.db)).map((x) => x.ticketId)).toEqual(['t1']);
    expect((await ticketsOf(h.t.db, A1)).map((x) => [x.ticketId, x.status, x.resolution])).toEqual([
      ['t2', 'resolved', 'Replaced'],
    ]);
    expect(await getTicket(h.t.db, 't1')).toMatchObject({
      commentCount: 1,
      comments: [{ author: A2, text: 'Still blinking' }],
    });

    const at = '2026-02-01T00:00:00.000Z';
    await given(
      'billrun-r1',
      ev.event(
        'BillRunStarted',
        {
          runId: 'r1',
          period: '2026-01',
          deadline: '2026-02-02T00:00:00.000Z',
          meters: [
            { meterId: 'm1', propertyId: 'p1' },
            { meterId: 'm2', propertyId: 'p2' },
            { meterId: 'm3', propertyId: 'p3' },
          ],
          startedBy: 'root',
          startedAt: at,
        },
        at,
      ),
      ev.event('MeterReadRequested', { meterId: 'm1', requestedAt: at }, at),
      ev.event('MeterReadRequested', { meterId: 'm2', requestedAt: at }, at),
      ev.event(
        'MeterAnswered',
        { meterId: 'm1', readingEventId: 'e1', readingRevision: 3, answeredAt: at },
        at,
      ),
    );
    expect(await getBillRun(h.t.db, 'r1')).toMatchObject({
      status: 'open',
      total: 3,
      asked: 2,
      answered: 1,
      billed: 0,
    });
    await given(
      'billrun-r1',
      ev.event('MeterBilled', { meterId: 'm1', billId: 'p1_2026-01', billedAt: at }, at),
      ev.event('MeterReadingMissed', { meterId: 'm2', missedAt: at }, at),
      ev.event('MeterSkipped', { meterId: 'm3', reason: 'property disabled', skippedAt: at }, at),
      ev.event('BillRunCompleted', { billed: 1, missed: 1, skipped: 1, completedAt: at }, at),
    );
    expect(await getBillRun(h.t.db, 'r1')).toMatchObject({
      status: 'completed',
      total: 3,
      asked: 2,
      answered: 1,
      billed: 1,
      missed: 1,
      skipped: 1,
    });
    expect((await billRunMeters(h.t.db, 'r1')).map((m) => m.status)).toEqual([
      'billed',
      'missed',
      'skipped',
    ]);

    // The same run as written now: many meters to an event.
    await given(
      'billrun-r2',
      ev.event(
        'BillRunStarted',
        {
          runId: 'r2',
          period: '2026-01',
          deadline: '2026-02-02T00:00:00.000Z',
          meters: ['m1', 'm2', 'm3'].map((m, i) => ({ meterId: m, propertyId: `p${i + 1}` })),
          startedBy: 'root',
          startedAt: at,
        },
        at,
      ),
      ev.event('MeterReadsRequested', { meterIds: ['m1', 'm2'], requestedAt: at }, at),
      ev.event(
        'MetersAnswered',
        {
          answers: [
            { meterId: 'm1', readingEventId: 'e1', readingRevision: 3 },
            { meterId: 'm3', readingEventId: 'e3', readingRevision: 4 },
          ],
          answeredAt: at,
        },
        at,
      ),
    );
    expect(await getBillRun(h.t.db, 'r2')).toMatchObject({
      ...{ status: 'open', total: 3, asked: 2, answered: 2, billed: 0 },
    });
    await given(
      'billrun-r2',
      ev.event(
        'MetersBilled',
        { bills: [{ meterId: 'm1', billId: 'p1_2026-01' }], billedAt: at },
        at,
      ),
      ev.event('MeterReadingMissed', { meterId: 'm2', missedAt: at }, at),
      ev.event(
        'MetersSkipped',
        { skipped: [{ meterId: 'm3', reason: 'property disabled' }], skippedAt: at },
        at,
      ),
      ev.event('BillRunCompleted', { billed: 1, missed: 1, skipped: 1, completedAt: at }, at),
    );
    expect(await getBillRun(h.t.db, 'r2')).toMatchObject({
      ...{ status: 'completed', total: 3, asked: 2, answered: 2 },
      ...{ billed: 1, missed: 1, skipped: 1 },
    });
    expect(await billRunMeters(h.t.db, 'r2')).toMatchObject([
      { meterId: 'm1', status: 'billed', asked: true, billId: 'p1_2026-01' },
      { meterId: 'm2', status: 'missed', asked: true },
      { meterId: 'm3', status: 'skipped', asked: false, skipReason: 'property disabled' },
    ]);

    const history = await activityOf(h.t.db, 'ticket-t2');
    expect(history.map((h) => [h.revision, h.type, h.actor])).toEqual([
      [0, 'TicketOpened', A1],
      [1, 'TicketResolved', 'system:test'],
    ]);
    const { rows } = await h.t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM read.activity',
    );
    const all = await h.t.store.readAll({ limit: 10_000 });
    expect(rows[0]!.n).toBe(all.length);
  });
});
