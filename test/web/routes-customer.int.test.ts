// Every customer flow over HTTP on a real Postgres store and Redis, with the
// admin steps it depends on: add a property, approval with inventory, a
// tenant invited by username + mobile who accepts and sees the owner's card,
// readings and consumption, a bill run's bill (itemised, HTML, PDF), paying
// it through the TEST provider's checkout page, tickets, and leaving.
// Each GET right after a POST sees the write (read-your-writes).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BillRunStarted,
  GatewayAdded,
  InventoryMeter,
  MeterAdded,
  PendingProperty,
} from '../../src/web/schemas/admin.ts';
import type {
  Balance,
  Bill,
  BillDetail,
  Checkout,
  ConsumptionPoint,
  Payment,
  Reading,
} from '../../src/web/schemas/billing.ts';
import type { Invited, Property, PropertyAdded } from '../../src/web/schemas/properties.ts';
import type { TicketOpened } from '../../src/web/schemas/tickets.ts';
import type { WireProblem } from '../../src/web/schemas/wire.ts';
import { RESIDENTIAL_TARIFF } from '../support/residential-tariff.ts';
import type { Browser } from './auth-fixture.ts';
import {
  ADDRESS,
  createRoutesHarness,
  KEY_A,
  KEY_B,
  type RoutesHarness,
} from './routes-fixture.ts';

describe('customer flows over HTTP', () => {
  let h: RoutesHarness;
  let admin: Browser;
  let adminId: string;
  let superuser: Browser;
  let owner: Awaited<ReturnType<RoutesHarness['customer']>>;
  let tenant: Awaited<ReturnType<RoutesHarness['customer']>>;
  let propertyId: string;
  let meterId: string;
  let billId: string;
  const now = Date.now();
  const period = new Date(now).toISOString().slice(0, 7);

  beforeAll(async () => {
    h = await createRoutesHarness();
    const su = await h.register('superuser');
    superuser = await h.signIn(su.accountId, ['superuser']);
    const ad = await h.register('admin');
    adminId = ad.accountId;
    admin = await h.signIn(ad.accountId, ['admin']);
    owner = await h.customer();
    tenant = await h.customer();
  });
  afterAll(async () => {
    await h.close();
  });

  it('adds a property and sees it pending at once', async () => {
    const added = await owner.browser.post('/api/properties', {
      kind: 'residential',
      address: ADDRESS,
    });
    expect(added.statusCode).toBe(201);
    propertyId = added.json<PropertyAdded>().propertyId;
    expect(added.headers['x-read-your-writes']).toBe('settled');
    const got = await owner.browser.get(`/api/properties/${propertyId}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      propertyId,
      role: 'owner',
      status: 'pending',
      address: ADDRESS,
      meter: null,
    });
    const list = await owner.browser.get('/api/properties');
    expect(list.json<Property[]>().map((p) => p.propertyId)).toEqual([propertyId]);
  });

  it('an admin registers inventory and approves the property with a gateway and meter of its area', async () => {
    const gateway = await admin.post('/api/admin/gateways', {
      name: 'Pune East',
      state: 'MH',
      city: 'Pune',
      pincode: '411001',
      publicKey: KEY_B,
    });
    expect(gateway.statusCode).toBe(201);
    const { gatewayId } = gateway.json<GatewayAdded>();
    const meter = await admin.post('/api/admin/meters', {
      serial: `SN-${now}`,
      publicKey: KEY_A,
      kind: 'single-phase',
    });
    expect(meter.statusCode).toBe(201);
    meterId = meter.json<MeterAdded>().meterId;
    const free = await admin.get('/api/admin/meters?free=true');
    expect(free.json<InventoryMeter[]>().map((m) => m.meterId)).toContain(meterId);

    const pending = await admin.get('/api/admin/approvals');
    const row = pending.json<PendingProperty[]>().find((p) => p.propertyId === propertyId)!;
    expect(row.gateways.map((g) => g.gatewayId)).toEqual([gatewayId]);

    const approved = await admin.post(`/api/admin/properties/${propertyId}/approve`, {
      gatewayId,
      meterId,
    });
    expect(approved.statusCode).toBe(200);
    const got = await owner.browser.get(`/api/properties/${propertyId}`);
    expect(got.json()).toMatchObject({
      status: 'approved',
      meter: { meterId, status: 'enabled', online: false },
    });
    const overview = await admin.get('/api/admin/overview');
    expect(overview.json()).toMatchObject({ approvedProperties: 1, meters: 1 });
  });

  it('invites a tenant by username + mobile; the tenant accepts and both see contact cards', async () => {
    const wrong = await owner.browser.post(`/api/properties/${propertyId}/invitations`, {
      username: tenant.username,
      mobile: '9000000000',
    });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ code: 'TENANT_NOT_FOUND' });

    const invited = await owner.browser.post(`/api/properties/${propertyId}/invitations`, {
      username: tenant.username,
      mobile: tenant.mobile,
    });
    expect(invited.statusCode).toBe(201);
    const { invitationId } = invited.json<Invited>();
    const mine = await tenant.browser.get('/api/invitations');
    expect(mine.json()).toEqual([
      expect.objectContaining({
        invitationId,
        propertyId,
        owner: expect.objectContaining({ accountId: owner.accountId, username: owner.username }),
      }),
    ]);
    // The tenant-to-be is not a member yet.
    expect((await tenant.browser.get(`/api/properties/${propertyId}`)).statusCode).toBe(404);
    const accepted = await tenant.browser.post(
      `/api/properties/${propertyId}/invitations/${invitationId}/accept`,
    );
    expect(accepted.statusCode).toBe(200);
    const asTenant = await tenant.browser.get(`/api/properties/${propertyId}`);
    expect(asTenant.json()).toMatchObject({ role: 'tenant', tenantId: tenant.accountId });
    const cards = await tenant.browser.get(`/api/properties/${propertyId}/contacts`);
    expect(cards.json()).toMatchObject({
      owner: { accountId: owner.accountId, mobile: expect.stringMatching(/^\d{10}$/) },
      tenant: { accountId: tenant.accountId, mobile: tenant.mobile },
    });
  });

  it('shows readings and daily/monthly consumption', async () => {
    await h.reading(meterId, 1, 1_000, new Date(now - 3 * 3600_000).toISOString());
    await h.reading(meterId, 2, 6_000, new Date(now - 2 * 3600_000).toISOString());
    const readings = await owner.browser.get(`/api/properties/${propertyId}/readings`);
    expect(readings.json<Reading[]>().map((r) => r.registerWh)).toEqual([1_000, 6_000]);
    const monthly = await tenant.browser.get(
      `/api/properties/${propertyId}/consumption?granularity=monthly`,
    );
    expect(monthly.statusCode).toBe(200);
    const total = monthly.json<ConsumptionPoint[]>().reduce((sum, r) => sum + r.wh, 0);
    expect(total).toBe(5_000);
    const bad = await owner.browser.get(
      `/api/properties/${propertyId}/consumption?granularity=hourly`,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('a superuser publishes a tariff (bad terms listed as problems), previews and starts a bill run', async () => {
    const bad = await superuser.post('/api/admin/tariffs/residential', {
      ...RESIDENTIAL_TARIFF,
      slabs: 'none',
      dueDays: 'soon',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<WireProblem>().errors?.length).toBeGreaterThanOrEqual(2);
    const rules = await superuser.post('/api/admin/tariffs/residential', {
      ...RESIDENTIAL_TARIFF,
      effectiveFrom: '2026-02-30',
      slabs: [{ fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 }],
    });
    expect(rules.statusCode).toBe(422);
    expect(rules.json()).toMatchObject({
      code: 'INVALID_EFFECTIVE_DATE',
      errors: [
        { path: 'body/effectiveFrom', message: expect.any(String) },
        { path: 'body/slabs', message: expect.stringContaining('open-ended') },
      ],
    });
    const refused = await admin.post('/api/admin/tariffs/residential', RESIDENTIAL_TARIFF);
    expect(refused.statusCode).toBe(403);
    const published = await superuser.post('/api/admin/tariffs/residential', RESIDENTIAL_TARIFF);
    expect(published.statusCode).toBe(201);
    const versions = await admin.get('/api/admin/tariffs/residential');
    expect(versions.json()).toEqual([RESIDENTIAL_TARIFF]);
    const preview = await admin.post('/api/admin/tariffs/residential/preview', { kwh: 150 });
    // 100 kWh at ₹5 + 50 at ₹8 = ₹900 energy; SGST 5% = ₹45; fixed ₹50.
    expect(preview.json()).toMatchObject({ totalPaise: 90_000 + 4_500 + 5_000 });

    const run = await admin.post('/api/admin/bill-runs', { period });
    expect(run.statusCode).toBe(201);
    const { runId } = run.json<BillRunStarted>();
    const progress = await admin.get(`/api/admin/bill-runs/${runId}`);
    expect(progress.json()).toMatchObject({ runId, status: 'open', total: 1 });
    await h.bill(runId, meterId, 156_000, new Date(now - 3600_000).toISOString());
  });

  it('lists the bill, itemises it, prints it and downloads a PDF', async () => {
    const bills = await owner.browser.get(`/api/properties/${propertyId}/bills`);
    expect(bills.statusCode).toBe(200);
    const [bill] = bills.json<Bill[]>();
    billId = bill!.billId;
    expect(bill!.totalPaise).toBeGreaterThan(0);
    const one = await tenant.browser.get(`/api/bills/${billId}`);
    expect(one.json<BillDetail>().lines.length).toBeGreaterThan(1);
    const html = await owner.browser.get(`/api/bills/${billId}/print`);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('Lotus Court');
    const pdf = await owner.browser.get(`/api/bills/${billId}/pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('pays the bill through the test checkout; balance and history show it', async () => {
    const before = await owner.browser.get(`/api/properties/${propertyId}/balance`);
    const owed = before.json<Balance>().balancePaise;
    expect(owed).toBeGreaterThan(0);
    const checkout = await owner.browser.post(`/api/bills/${billId}/checkout`, {
      returnPath: '/bills',
    });
    expect(checkout.statusCode).toBe(200);
    const { checkoutUrl, amountPaise } = checkout.json<Checkout>();
    expect(amountPaise).toBe(owed);
    const path = new URL(checkoutUrl).pathname;
    const page = await owner.browser.get(path);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-outcome="paid"');
    const paid = await owner.browser.post(`${path}/complete`, { outcome: 'paid' });
    expect(paid.json()).toEqual({ returnUrl: 'http://127.0.0.1:3000/bills' });
    const after = await owner.browser.get(`/api/properties/${propertyId}/balance`);
    expect(after.json()).toMatchObject({ balancePaise: 0, paidPaise: owed });
    const history = await tenant.browser.get(`/api/properties/${propertyId}/payments`);
    expect(history.json()).toEqual([
      expect.objectContaining({ kind: 'payment', amountPaise: owed, method: 'online' }),
    ]);
    // The checkout is single use, and a paid bill has nothing left to pay.
    expect((await owner.browser.post(`${path}/complete`, { outcome: 'paid' })).statusCode).toBe(
      404,
    );
    const again = await owner.browser.post(`/api/bills/${billId}/checkout`, {});
    expect(again.json()).toMatchObject({ code: 'NOTHING_TO_PAY' });
  });

  it('an admin records a counter payment once per receipt', async () => {
    const body = {
      method: 'upi',
      receipt: 'R-1',
      amountPaise: 1000,
      receivedAt: new Date(now - 60_000).toISOString(),
      methodReference: '123456789012',
    };
    const first = await admin.post(`/api/admin/properties/${propertyId}/payments`, body);
    expect(first.json()).toMatchObject({ recorded: true });
    const second = await admin.post(`/api/admin/properties/${propertyId}/payments`, body);
    expect(second.json()).toMatchObject({ recorded: false });
    const balance = await owner.browser.get(`/api/properties/${propertyId}/balance`);
    expect(balance.json()).toMatchObject({ creditPaise: 1000 });
    const upi = await admin.get('/api/admin/payments?method=upi');
    expect(upi.json()).toEqual([
      expect.objectContaining({ propertyId, amountPaise: 1000, methodReference: '123456789012' }),
    ]);
    const all = await admin.get('/api/admin/payments');
    expect(
      all
        .json<Payment[]>()
        .map((p) => p.method)
        .sort(),
    ).toEqual(['online', 'upi']);
  });

  it('opens a ticket, comments, staff acknowledge and resolve, the customer reopens', async () => {
    const opened = await tenant.browser.post('/api/tickets', {
      propertyId,
      category: 'meter',
      subject: 'Meter display blank',
      text: 'The display went blank this morning.',
    });
    expect(opened.statusCode).toBe(201);
    const { ticketId } = opened.json<TicketOpened>();
    expect((await tenant.browser.get('/api/tickets')).json()).toEqual([
      expect.objectContaining({ ticketId, status: 'open' }),
    ]);
    const comment = await tenant.browser.post(`/api/tickets/${ticketId}/comments`, {
      text: 'Still blank.',
    });
    expect(comment.statusCode).toBe(201);
    expect((await admin.get('/api/admin/tickets')).json()).toEqual([
      expect.objectContaining({ ticketId }),
    ]);
    expect((await admin.post(`/api/admin/tickets/${ticketId}/acknowledge`, {})).statusCode).toBe(
      200,
    );
    const assigned = await admin.post(`/api/admin/tickets/${ticketId}/assign`, {
      assignee: adminId,
    });
    expect(assigned.statusCode).toBe(200);
    const resolved = await admin.post(`/api/admin/tickets/${ticketId}/resolve`, {
      resolution: 'Replaced the display.',
    });
    expect(resolved.statusCode).toBe(200);
    expect((await tenant.browser.get(`/api/tickets/${ticketId}`)).json()).toMatchObject({
      status: 'resolved',
      comments: [expect.objectContaining({ text: 'Still blank.' })],
    });
    const reopened = await tenant.browser.post(`/api/tickets/${ticketId}/reopen`, {
      reason: 'Blank again.',
    });
    expect(reopened.statusCode).toBe(200);
    expect((await tenant.browser.get(`/api/tickets/${ticketId}`)).json()).toMatchObject({
      status: 'reopened',
    });
  });

  it('the tenant leaves and loses access', async () => {
    const left = await tenant.browser.post(`/api/properties/${propertyId}/leave`);
    expect(left.statusCode).toBe(200);
    expect((await tenant.browser.get(`/api/properties/${propertyId}`)).statusCode).toBe(404);
    expect((await owner.browser.get(`/api/properties/${propertyId}`)).json()).toMatchObject({
      tenantId: null,
    });
  });

  it('a tenant may decline; the owner may revoke an invitation and remove a tenant', async () => {
    const invite = async () => {
      const r = await owner.browser.post(`/api/properties/${propertyId}/invitations`, {
        username: tenant.username,
        mobile: tenant.mobile,
      });
      expect(r.statusCode).toBe(201);
      return `/api/properties/${propertyId}/invitations/${r.json<Invited>().invitationId}`;
    };
    const declined = await invite();
    expect((await tenant.browser.post(`${declined}/decline`)).statusCode).toBe(200);
    expect((await tenant.browser.get('/api/invitations')).json()).toEqual([]);
    // The owner cannot answer for the tenant, nor the tenant revoke.
    const revoked = await invite();
    expect((await owner.browser.post(`${revoked}/accept`)).statusCode).toBe(404);
    expect((await tenant.browser.post(`${revoked}/revoke`)).statusCode).toBe(404);
    expect((await owner.browser.post(`${revoked}/revoke`)).statusCode).toBe(200);
    const accepted = await tenant.browser.post(`${revoked}/accept`);
    expect(accepted.statusCode).toBe(422);
    expect(accepted.json()).toMatchObject({ code: 'INVITATION_REVOKED' });

    expect((await tenant.browser.post(`${await invite()}/accept`)).statusCode).toBe(200);
    expect(
      (await tenant.browser.post(`/api/properties/${propertyId}/tenant/remove`)).statusCode,
    ).toBe(404);
    const removed = await owner.browser.post(`/api/properties/${propertyId}/tenant/remove`);
    expect(removed.statusCode).toBe(200);
    expect((await tenant.browser.get(`/api/properties/${propertyId}`)).statusCode).toBe(404);
  });
});
