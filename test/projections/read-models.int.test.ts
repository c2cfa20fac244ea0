// Events in, rows out: accounts, properties, inventory and readings on real
// Postgres, fed through the live runners and queried once they have reached
// the last append (the read-your-writes path the web layer uses).

import { describe, expect, it } from 'vitest';
import { getAccount, listAccounts } from '../../src/projections/accounts/index.ts';
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
import * as ev from './fixtures/events.ts';
import { A1, A2, useProjections } from './fixtures/harness.ts';

const h = useProjections();
const given = h.given;

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
    const asha = await getAccount(h.t.db, A1);
    expect(asha).toMatchObject({
      username: 'asha',
      roles: ['customer', 'admin'],
      status: 'active',
      emailVerified: true,
      mobileVerified: false,
      personal: ev.sealed(A1),
    });
    expect(JSON.stringify(asha)).not.toContain('scrypt$secret');
    expect(await getAccount(h.t.db, A2)).toMatchObject({ status: 'forgotten', personal: null });
    expect((await listAccounts(h.t.db, { role: 'admin' })).map((a) => a.accountId)).toEqual([A1]);
    expect(await getAccount(h.t.db, 'nobody')).toBeNull();
  });
});

describe('properties, inventory and readings', () => {
  it('tracks approval, tenancy, pending approvals, meters, readings and consumption', async () => {
    await given('gateway-g1', ev.gatewayRegistered('g1', '2026-01-01T00:00:00.000Z'));
    await given('meter-m1', ev.meterRegistered('m1', '2026-01-01T00:00:00.000Z'));
    await given('property-p1', ev.propertyAdded('p1', A1, '2026-01-05T00:00:00.000Z'));
    await given('property-p2', ev.propertyAdded('p2', A1, '2026-01-06T00:00:00.000Z'));
    expect((await pendingApprovals(h.t.db)).map((p) => p.propertyId)).toEqual(['p1', 'p2']);
    await given(
      'property-p1',
      ev.propertyApproved('g1', 'm1', '2026-01-07T00:00:00.000Z'),
      ev.tenantInvited('i1', A2, A1, '2026-01-08T00:00:00.000Z', '2026-01-15T00:00:00.000Z'),
    );
    expect((await pendingApprovals(h.t.db)).map((p) => p.propertyId)).toEqual(['p2']);
    expect(await getProperty(h.t.db, 'p1')).toMatchObject({
      status: 'approved',
      gatewayId: 'g1',
      meterId: 'm1',
      tenantId: null,
      openInvitation: { invitationId: 'i1', tenantId: A2 },
    });
    await given('property-p1', ev.tenantAccepted('i1', A2, '2026-01-09T00:00:00.000Z'));
    expect(await getProperty(h.t.db, 'p1')).toMatchObject({ tenantId: A2, openInvitation: null });
    expect((await propertiesOf(h.t.db, A2)).map((p) => p.propertyId)).toEqual(['p1']);

    // IST days: 2026-01-31T20:00Z is already 1 February in India.
    await given(
      'meter-m1',
      ev.meterAssigned('p1', 'g1', '2026-01-07T00:00:00.000Z'),
      ev.reading(1, 10_000, '2026-01-31T10:00:00.000Z'),
      ev.reading(2, 10_500, '2026-01-31T12:00:00.000Z'),
      ev.reading(3, 11_200, '2026-01-31T20:00:00.000Z'),
    );
    await given('meter-m1', ev.reading(4, 12_000, '2026-02-01T08:00:00.000Z'));
    expect(
      (await meterReadings(h.t.db, 'm1')).map((r) => [r.seq, r.registerWh, r.deltaWh]),
    ).toEqual([
      [1, 10_000, 0],
      [2, 10_500, 500],
      [3, 11_200, 700],
      [4, 12_000, 800],
    ]);
    expect(await consumption(h.t.db, { propertyId: 'p1' }, 'daily')).toEqual([
      { period: '2026-01-31', wh: 500, readings: 2 },
      { period: '2026-02-01', wh: 1500, readings: 2 },
    ]);
    expect(await consumption(h.t.db, { meterId: 'm1' }, 'monthly')).toEqual([
      { period: '2026-01', wh: 500, readings: 2 },
      { period: '2026-02', wh: 1500, readings: 2 },
    ]);
    expect(await getMeter(h.t.db, 'm1')).toMatchObject({
      propertyId: 'p1',
      gatewayId: 'g1',
      lastSeq: 4,
      lastRegisterWh: 12_000,
      online: false,
      lastSeenAt: new Date('2026-02-01T08:00:00.000Z'),
    });
    await recordMeterPresence(h.t.db, {
      meterId: 'm1',
      gatewayId: 'g1',
      online: true,
      at: '2026-02-02T00:00:00.000Z',
    });
    await recordMeterPresence(h.t.db, {
      meterId: 'm1',
      gatewayId: 'g1',
      online: false,
      at: '2026-02-01T23:00:00.000Z',
    });
    expect(await getMeter(h.t.db, 'm1')).toMatchObject({
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
    expect(await getMeter(h.t.db, 'm1')).toMatchObject({
      status: 'disabled',
      statusReason: 'tamper',
      tamperAlarms: 1,
      lastSeq: 5,
      lastRegisterWh: 12_000,
    });
    expect((await meterReadings(h.t.db, 'm1')).length).toBe(4);
    expect(await listGateways(h.t.db)).toMatchObject([
      { gatewayId: 'g1', status: 'enabled', pincode: '560001' },
    ]);
  });
});
