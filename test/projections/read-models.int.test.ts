// Events in, rows out: each read model on real Postgres, fed through the live
// runners, queried once the runners have reached the last append (which is
// also the read-your-writes path the web layer uses).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/eventstore/port.ts';
import { getAccount, listAccounts } from '../../src/projections/accounts/index.ts';
import { activityOf } from '../../src/projections/activity/index.ts';
import { billRunMeters, getBillRun } from '../../src/projections/billruns/index.ts';
import { billsOf, getBill } from '../../src/projections/bills/index.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import {
  getMeter,
  listGateways,
  recordMeterPresence,
} from '../../src/projections/inventory/queries.ts';
import {
  getProperty,
  pendingApprovals,
  propertiesOf,
} from '../../src/projections/properties/index.ts';
import { consumption, meterReadings } from '../../src/projections/readings/queries.ts';
import {
  balanceOf,
  defaulters,
  paymentHistory,
} from '../../src/projections/receivables/queries.ts';
import { getTicket, ticketQueue, ticketsOf } from '../../src/projections/tickets/index.ts';
import { createPostgresTestStore, type TestStore } from '../support/store.ts';
import * as ev from './fixtures/events.ts';

// Account ids are UUIDs in the catalog.
const A1 = '00000000-0000-4000-8000-0000000000a1';
const A2 = '00000000-0000-4000-8000-0000000000a2';

let t: TestStore;
let running: RunningProjections;

beforeAll(async () => {
  t = await createPostgresTestStore({ pollIntervalMs: 50 });
  running = await startProjections({ store: t.store, readDb: t.db });
});
afterAll(async () => {
  await running.stop();
  await t.close();
});

/** Appends, then waits (read-your-writes) until every read model has applied it. */
async function given(stream: string, ...events: NewEvent[]) {
  const { position } = await t.store.append(stream, events);
  expect(await running.waitFor(position, { timeoutMs: 10_000 })).toBe(true);
}

describe('accounts', () => {
  it('keeps roles, flags and the sealed envelope; forgetting drops personal data', async () => {
    await given(
      `account-${A1}`,
      ev.accountRegistered(A1, 'asha', '2026-01-01T10:00:00.000Z'),
      ev.event('EmailVerified', { at: '2026-01-01T10:05:00.000Z' }, '2026-01-01T10:05:00.000Z'),
      ev.event(
        'RoleGranted',
        { role: 'admin', by: 'root', at: '2026-01-02T00:00:00.000Z' },
        '2026-01-02T00:00:00.000Z',
      ),
      ev.event(
        'RoleGranted',
        { role: 'admin', by: 'root', at: '2026-01-02T00:00:00.000Z' },
        '2026-01-02T00:00:00.000Z',
      ),
      ev.event(
        'PasswordSet',
        { passwordHash: 'scrypt$secret', at: '2026-01-01T10:06:00.000Z' },
        '2026-01-01T10:06:00.000Z',
      ),
    );
    await given(
      `account-${A2}`,
      ev.accountRegistered(A2, 'bala', '2026-01-03T10:00:00.000Z'),
      ev.event(
        'PersonForgotten',
        { by: A2, at: '2026-01-04T00:00:00.000Z' },
        '2026-01-04T00:00:00.000Z',
      ),
    );
    const asha = await getAccount(t.db, A1);
    expect(asha).toMatchObject({
      username: 'asha',
      roles: ['customer', 'admin'],
      status: 'active',
      emailVerified: true,
      mobileVerified: false,
      personal: ev.sealed(A1),
    });
    expect(JSON.stringify(asha)).not.toContain('scrypt$secret');
    expect(await getAccount(t.db, A2)).toMatchObject({ status: 'forgotten', personal: null });
    expect((await listAccounts(t.db, { role: 'admin' })).map((a) => a.accountId)).toEqual([A1]);
    expect(await getAccount(t.db, 'nobody')).toBeNull();
  });
});

describe('properties, inventory and readings', () => {
  it('tracks approval, tenancy, pending approvals, meters, readings and consumption', async () => {
    await given('gateway-g1', ev.gatewayRegistered('g1', '2026-01-01T00:00:00.000Z'));
    await given('meter-m1', ev.meterRegistered('m1', '2026-01-01T00:00:00.000Z'));
    await given('property-p1', ev.propertyAdded('p1', A1, '2026-01-05T00:00:00.000Z'));
    await given('property-p2', ev.propertyAdded('p2', A1, '2026-01-06T00:00:00.000Z'));
    expect((await pendingApprovals(t.db)).map((p) => p.propertyId)).toEqual(['p1', 'p2']);
    await given(
      'property-p1',
      ev.propertyApproved('g1', 'm1', '2026-01-07T00:00:00.000Z'),
      ev.event(
        'TenantInvited',
        {
          invitationId: 'i1',
          tenantId: A2,
          invitedBy: A1,
          invitedAt: '2026-01-08T00:00:00.000Z',
          expiresAt: '2026-01-15T00:00:00.000Z',
        },
        '2026-01-08T00:00:00.000Z',
      ),
    );
    expect((await pendingApprovals(t.db)).map((p) => p.propertyId)).toEqual(['p2']);
    expect(await getProperty(t.db, 'p1')).toMatchObject({
      status: 'approved',
      gatewayId: 'g1',
      meterId: 'm1',
      tenantId: null,
      openInvitation: { invitationId: 'i1', tenantId: A2 },
    });
    await given(
      'property-p1',
      ev.event(
        'TenantInvitationAccepted',
        { invitationId: 'i1', tenantId: A2, acceptedAt: '2026-01-09T00:00:00.000Z' },
        '2026-01-09T00:00:00.000Z',
      ),
    );
    expect(await getProperty(t.db, 'p1')).toMatchObject({ tenantId: A2, openInvitation: null });
    expect((await propertiesOf(t.db, A2)).map((p) => p.propertyId)).toEqual(['p1']);

    // IST days: 2026-01-31T20:00Z is already 1 February in India.
    await given(
      'meter-m1',
      ev.meterAssigned('p1', 'g1', '2026-01-07T00:00:00.000Z'),
      ev.reading(1, 10_000, '2026-01-31T10:00:00.000Z'),
      ev.reading(2, 10_500, '2026-01-31T12:00:00.000Z'),
      ev.reading(3, 11_200, '2026-01-31T20:00:00.000Z'),
    );
    await given('meter-m1', ev.reading(4, 12_000, '2026-02-01T08:00:00.000Z'));
    expect((await meterReadings(t.db, 'm1')).map((r) => [r.seq, r.registerWh, r.deltaWh])).toEqual([
      [1, 10_000, 0],
      [2, 10_500, 500],
      [3, 11_200, 700],
      [4, 12_000, 800],
    ]);
    expect(await consumption(t.db, { propertyId: 'p1' }, 'daily')).toEqual([
      { period: '2026-01-31', wh: 500, readings: 2 },
      { period: '2026-02-01', wh: 1500, readings: 2 },
    ]);
    expect(await consumption(t.db, { meterId: 'm1' }, 'monthly')).toEqual([
      { period: '2026-01', wh: 500, readings: 2 },
      { period: '2026-02', wh: 1500, readings: 2 },
    ]);
    expect(await getMeter(t.db, 'm1')).toMatchObject({
      propertyId: 'p1',
      gatewayId: 'g1',
      lastSeq: 4,
      lastRegisterWh: 12_000,
      online: false,
      lastSeenAt: new Date('2026-02-01T08:00:00.000Z'),
    });
    await recordMeterPresence(t.db, {
      meterId: 'm1',
      gatewayId: 'g1',
      online: true,
      at: '2026-02-02T00:00:00.000Z',
    });
    await recordMeterPresence(t.db, {
      meterId: 'm1',
      gatewayId: 'g1',
      online: false,
      at: '2026-02-01T23:00:00.000Z',
    });
    expect(await getMeter(t.db, 'm1')).toMatchObject({
      online: true,
      lastSeenAt: new Date('2026-02-02T00:00:00.000Z'),
    });
    await given(
      'meter-m1',
      ev.event(
        'TamperAlarmRaised',
        {
          seq: 5,
          readAt: '2026-02-02T01:00:00.000Z',
          signature: 'cd',
          runId: null,
          requestId: null,
          receivedAt: '2026-02-02T01:00:00.000Z',
          lastRegisterWh: 12_000,
          reportedRegisterWh: 9_000,
        },
        '2026-02-02T01:00:00.000Z',
      ),
      ev.event(
        'MeterDisabled',
        { reason: 'tamper', disabledAt: '2026-02-02T01:00:00.000Z' },
        '2026-02-02T01:00:00.000Z',
      ),
    );
    expect(await getMeter(t.db, 'm1')).toMatchObject({
      status: 'disabled',
      statusReason: 'tamper',
      tamperAlarms: 1,
      lastSeq: 5,
      lastRegisterWh: 12_000,
    });
    expect((await meterReadings(t.db, 'm1')).length).toBe(4);
    expect(await listGateways(t.db)).toMatchObject([
      { gatewayId: 'g1', status: 'enabled', pincode: '560001' },
    ]);
  });
});

describe('bills, receivables and defaulters', () => {
  it('itemises bills and follows balances, allocations, late fees and overdue age', async () => {
    await given(
      'bill-p1_2026-01',
      ev.billIssued('p1', '2026-01', 'm1', A1, '2026-02-01T00:00:00.000Z', 100, 'run-1'),
    );
    const bill = await getBill(t.db, 'p1_2026-01');
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
    expect((await billsOf(t.db, 'p1')).map((b) => b.billId)).toEqual(['p1_2026-01']);

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
    expect(await balanceOf(t.db, 'p1')).toMatchObject({
      balancePaise: 57_000,
      chargedPaise: 95_000,
      paidPaise: 40_000,
      lateFeesPaise: 2_000,
      creditPaise: 0,
    });
    expect(await paymentHistory(t.db, 'p1')).toMatchObject([
      { kind: 'payment', reference: 'pay-1', amountPaise: 40_000, method: 'upi' },
    ]);
    expect(await defaulters(t.db, '2026-03-01')).toEqual([
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
    expect(await defaulters(t.db, '2026-03-20')).toMatchObject([
      { overduePaise: 57_000, overdueBills: 2, ageDays: 33 },
    ]);
    expect(await defaulters(t.db, '2026-02-15')).toEqual([]);
    expect(await defaulters(t.db, '2026-03-01', 30)).toEqual([]);
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
    expect(await balanceOf(t.db, 'p1')).toMatchObject({ balancePaise: -3_000, creditPaise: 3_000 });
    expect(await defaulters(t.db, '2026-04-01')).toEqual([]);
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
    expect((await ticketQueue(t.db)).map((x) => x.ticketId)).toEqual(['t1']);
    expect((await ticketsOf(t.db, A1)).map((x) => [x.ticketId, x.status, x.resolution])).toEqual([
      ['t2', 'resolved', 'Replaced'],
    ]);
    expect(await getTicket(t.db, 't1')).toMatchObject({
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
    expect(await getBillRun(t.db, 'r1')).toMatchObject({
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
    expect(await getBillRun(t.db, 'r1')).toMatchObject({
      status: 'completed',
      total: 3,
      asked: 2,
      answered: 1,
      billed: 1,
      missed: 1,
      skipped: 1,
    });
    expect((await billRunMeters(t.db, 'r1')).map((m) => m.status)).toEqual([
      'billed',
      'missed',
      'skipped',
    ]);

    const history = await activityOf(t.db, 'ticket-t2');
    expect(history.map((h) => [h.revision, h.type, h.actor])).toEqual([
      [0, 'TicketOpened', A1],
      [1, 'TicketResolved', 'system:test'],
    ]);
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM read.activity',
    );
    const all = await t.store.readAll({ limit: 10_000 });
    expect(rows[0]!.n).toBe(all.length);
  });
});
