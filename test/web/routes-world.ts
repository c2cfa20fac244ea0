// A populated world for the route security tests: a superuser, an admin and
// two customers, each customer owning an approved property with a meter, a
// bill from one bill run, an open tenant invitation and a ticket. Built over
// HTTP where a route exists, so it also exercises those routes.

import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { BillRunStarted, GatewayAdded, MeterAdded } from '../../src/web/schemas/admin.ts';
import type { Bill } from '../../src/web/schemas/billing.ts';
import type { Invited, PropertyAdded } from '../../src/web/schemas/properties.ts';
import type { TicketOpened } from '../../src/web/schemas/tickets.ts';
import type { Browser } from './auth-fixture.ts';
import { ADDRESS, KEY_A, KEY_B, publishTariff, type RoutesHarness } from './routes-fixture.ts';

export interface CustomerWorld {
  browser: Browser;
  accountId: string;
  propertyId: string;
  meterId: string;
  billId: string;
  invitationId: string;
  ticketId: string;
}

export interface World {
  admin: Browser;
  superuser: Browser;
  a: CustomerWorld;
  b: CustomerWorld;
  gatewayId: string;
  runId: string;
}

export async function buildWorld(h: RoutesHarness): Promise<World> {
  const su = await h.register('superuser');
  const superuser = await h.signIn(su.accountId, ['superuser']);
  const ad = await h.register('admin');
  const admin = await h.signIn(ad.accountId, ['admin']);
  await publishTariff(h, su.accountId);
  const gateway = await admin.post('/api/admin/gateways', {
    ...{ name: 'Pune', state: 'MH', city: 'Pune', pincode: '411001' },
    publicKey: KEY_B,
  });
  const { gatewayId } = gateway.json<GatewayAdded>();
  const now = Date.now();

  const customer = async () => {
    const c = await h.customer();
    const invitee = await h.register('customer');
    const added = await c.browser.post('/api/properties', {
      kind: 'residential',
      address: ADDRESS,
    });
    const { propertyId } = added.json<PropertyAdded>();
    const meter = await admin.post('/api/admin/meters', {
      ...{ serial: `SN-${randomUUID().slice(0, 8)}`, publicKey: KEY_A, kind: 'single-phase' },
    });
    const { meterId } = meter.json<MeterAdded>();
    const approved = await admin.post(`/api/admin/properties/${propertyId}/approve`, {
      gatewayId,
      meterId,
    });
    expect(approved.statusCode).toBe(200);
    await h.reading(meterId, 1, 0, new Date(now - 3 * 3600_000).toISOString());
    const invited = await c.browser.post(`/api/properties/${propertyId}/invitations`, {
      username: invitee.username,
      mobile: invitee.mobile,
    });
    const { invitationId } = invited.json<Invited>();
    const ticket = await c.browser.post('/api/tickets', {
      ...{ propertyId, category: 'billing', subject: 'Query', text: 'About my bill.' },
    });
    const { ticketId } = ticket.json<TicketOpened>();
    return { ...c, propertyId, meterId, invitationId, ticketId, billId: '' };
  };
  const a = await customer();
  const b = await customer();
  const run = await admin.post('/api/admin/bill-runs', {
    period: new Date(now).toISOString().slice(0, 7),
  });
  const { runId } = run.json<BillRunStarted>();
  for (const c of [a, b]) {
    await h.bill(runId, c.meterId, 120_000, new Date(now - 3600_000).toISOString());
    const bills = await c.browser.get(`/api/properties/${c.propertyId}/bills`);
    c.billId = bills.json<Bill[]>()[0]!.billId;
  }
  return { admin, superuser, a, b, gatewayId, runId };
}
