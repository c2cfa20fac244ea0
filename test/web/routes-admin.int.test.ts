// Admin, auditor and live routes over HTTP: bill-run progress, bills across
// properties, the overview's revenue figures, defaulters sorted by amount or
// age, approvals refused for a meter already in use, states and cities (one
// and all), role grants by a superuser (sessions of the account end), the
// auditor's paged log and a verification run, and the SSE feed on a real
// listening socket (staff get events, customers 403).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Account,
  BillRun,
  BillRunDetail,
  Defaulter,
  Roles,
} from '../../src/web/schemas/admin.ts';
import type { EventPage, VerificationJob } from '../../src/web/schemas/audit.ts';
import type { Bill } from '../../src/web/schemas/billing.ts';
import type { PropertyAdded } from '../../src/web/schemas/properties.ts';
import { createRoutesHarness, type RoutesHarness } from './routes-fixture.ts';
import { buildWorld, type World } from './routes-world.ts';

describe('admin, auditor and live routes', () => {
  let h: RoutesHarness;
  let w: World;

  beforeAll(async () => {
    h = await createRoutesHarness();
    w = await buildWorld(h);
  }, 120_000);
  afterAll(async () => {
    await h.close();
  });

  it('shows bill-run progress, bills across properties and the overview', async () => {
    const run = (await w.admin.get(`/api/admin/bill-runs/${w.runId}`)).json<BillRunDetail>();
    expect(run.total).toBe(2);
    expect(run.billed).toBe(2);
    expect(run.meters.map((m) => m.billId).sort()).toEqual([w.a.billId, w.b.billId].sort());
    const runs = await w.admin.get('/api/admin/bill-runs');
    expect(runs.json<BillRun[]>().map((r) => r.runId)).toEqual([w.runId]);
    const bills = await w.admin.get(`/api/admin/bills?propertyId=${w.a.propertyId}`);
    expect(bills.json<Bill[]>().map((b) => b.billId)).toEqual([w.a.billId]);
    const overview = await w.admin.get('/api/admin/overview');
    expect(overview.json()).toMatchObject({ approvedProperties: 2, openTickets: 2 });
  });

  it('sums revenue billed, collected and overdue on the overview', async () => {
    const bills = (await w.admin.get('/api/admin/bills')).json<Bill[]>();
    const billed = bills.reduce((sum, b) => sum + b.chargesPaise, 0);
    expect(billed).toBeGreaterThan(1000);
    const paid = await w.admin.post(`/api/admin/properties/${w.a.propertyId}/payments`, {
      method: 'cash',
      receipt: 'R-OVERVIEW',
      amountPaise: 1000,
      receivedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(paid.json()).toMatchObject({ recorded: true });
    const overview = await w.admin.get('/api/admin/overview');
    expect(overview.json()).toMatchObject({
      billedPaise: billed,
      collectedPaise: 1000,
      overduePaise: 0,
    });
  });

  it('lists defaulters once bills are overdue, sortable by amount or age', async () => {
    const future = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    expect((await w.admin.get('/api/admin/defaulters')).json()).toEqual([]);
    const byAmount = await w.admin.get(`/api/admin/defaulters?asOf=${future}`);
    const rows = byAmount.json<Defaulter[]>();
    expect(rows.map((r) => r.propertyId).sort()).toEqual([w.a.propertyId, w.b.propertyId].sort());
    expect(rows.every((r) => r.overduePaise > 0 && r.ageDays > 0)).toBe(true);
    const byAge = await w.admin.get(`/api/admin/defaulters?asOf=${future}&sort=age`);
    expect(byAge.statusCode).toBe(200);
    const bad = await w.admin.get('/api/admin/defaulters?sort=name');
    expect(bad.statusCode).toBe(400);
  });

  it('refuses an approval with a meter that is already in use', async () => {
    const added = await w.a.browser.post('/api/properties', {
      kind: 'residential',
      address: {
        houseNo: '1',
        building: 'B',
        street: 'S',
        city: 'Pune',
        state: 'MH',
        pincode: '411001',
      },
    });
    const { propertyId } = added.json<PropertyAdded>();
    const refused = await w.admin.post(`/api/admin/properties/${propertyId}/approve`, {
      gatewayId: w.gatewayId,
      meterId: w.b.meterId,
    });
    expect(refused.statusCode).toBe(422);
    const rejected = await w.admin.post(`/api/admin/properties/${propertyId}/reject`, {
      reason: 'duplicate application',
    });
    expect(rejected.statusCode).toBe(200);
    expect((await w.a.browser.get(`/api/properties/${propertyId}`)).json()).toMatchObject({
      status: 'rejected',
      statusReason: expect.stringContaining('duplicate'),
    });
  });

  it('a superuser grants a role; the account must sign in again to use it', async () => {
    const granted = await w.superuser.post(`/api/admin/accounts/${w.b.accountId}/roles/grant`, {
      role: 'auditor',
    });
    expect(granted.statusCode).toBe(200);
    expect(granted.json<Roles>().roles.sort()).toEqual(['auditor', 'customer']);
    expect((await w.b.browser.get('/api/properties')).statusCode).toBe(401);
    const auditors = await w.admin.get('/api/admin/accounts?role=auditor');
    expect(auditors.json<Account[]>().map((a) => a.accountId)).toEqual([w.b.accountId]);
  });

  it('an auditor pages through the log and a stream, and runs a verification', async () => {
    const auditor = await h.signIn(w.b.accountId, ['customer', 'auditor']);
    const first = (await auditor.get('/api/auditor/events?limit=3')).json<EventPage>();
    expect(first.events).toHaveLength(3);
    const second = (
      await auditor.get(`/api/auditor/events?limit=3&after=${encodeURIComponent(first.next!)}`)
    ).json<EventPage>();
    expect(second.events[0]!.position).not.toBe(first.events[2]!.position);
    const stream = await auditor.get(`/api/auditor/streams/property-${w.a.propertyId}`);
    expect(stream.json<EventPage>().events[0]!.type).toBe('PropertyAdded');
    // A background job (test/web/auditor-verifications.int.test.ts covers it in depth).
    const started = await auditor.post('/api/auditor/verifications');
    expect(started.statusCode).toBe(202);
    const { id } = started.json<VerificationJob>();
    let job = (await auditor.get(`/api/auditor/verifications/${id}`)).json<VerificationJob>();
    for (let i = 0; i < 200 && job.finishedAt === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await auditor.get(`/api/auditor/verifications/${id}`)).json();
    }
    expect(job.report!.checks.length).toBeGreaterThan(0);
    expect(job.report!.eventsReplayed).toBeGreaterThan(10);
  });

  it('checks every JSON answer under /api against a declared schema', async () => {
    // The serializer refuses an answer its schema does not accept (test/web/wire-schemas.unit.test.ts),
    // so a route without one would be the only way a shape could drift unseen.
    const doc = (await h.app.inject({ method: 'GET', url: '/api/docs/json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    }>();
    // Only /api: the static UI (served when ui/dist is built) is files, not answers.
    const api = Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/'));
    const unchecked = api.flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) =>
          Object.entries(op.responses).every(
            ([status, answer]) => !status.startsWith('2') || answer.content === undefined,
          ),
        )
        .map(([method]) => `${method} ${path}`),
    );
    // Bytes and event streams: a PDF and the SSE feeds, whose messages go through the job's
    // schema or the live feeds' (src/web/schemas/live.ts) in the route.
    expect(unchecked.sort()).toEqual([
      'get /api/auditor/verifications/{id}/events',
      'get /api/bills/{billId}/pdf',
      'get /api/live',
      'get /api/live/mine',
    ]);
  });

  it('streams live dashboard events to staff over SSE; customers get 403', async () => {
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = (b: typeof w.admin) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const refused = await fetch(`${url}/api/live`, { headers: { cookie: cookie(w.a.browser) } });
    expect(refused.status).toBe(403);
    await refused.body?.cancel();

    const controller = new AbortController();
    const response = await fetch(`${url}/api/live`, {
      headers: { cookie: cookie(w.admin) },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += new TextDecoder().decode(value);
      }
    };
    await until(/event: meters\ndata: \{"total":2,"online":0\}/);
    await until(/event: billruns\n/);
    await until(/event: tickets\n/);
    // A new meter shows up in the next poll.
    await w.admin.post('/api/admin/meters', {
      serial: 'SN-LIVE-1',
      publicKey: '031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f',
      kind: 'three-phase',
    });
    await until(/"total":3/);
    controller.abort();
  });

  it('manages inventory: rotate a meter key, disable and enable meters and gateways', async () => {
    const meter = `/api/admin/meters/${w.a.meterId}`;
    const rotated = await w.admin.post(`${meter}/rotate-key`, {
      publicKey: '024d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766',
    });
    expect(rotated.statusCode).toBe(200);
    const badKey = await w.admin.post(`${meter}/rotate-key`, { publicKey: 'abc' });
    expect(badKey.statusCode).toBe(400);
    expect((await w.admin.post(`${meter}/disable`, { reason: 'tampered' })).statusCode).toBe(200);
    const meters = (await w.admin.get('/api/admin/meters')).json<
      { meterId: string; status: string; publicKey: string }[]
    >();
    expect(meters.find((m) => m.meterId === w.a.meterId)).toMatchObject({
      status: 'disabled',
      publicKey: expect.stringMatching(/^024d4b/),
    });
    expect((await w.a.browser.get(`/api/properties/${w.a.propertyId}`)).json()).toMatchObject({
      meter: { status: 'disabled' },
    });
    expect((await w.admin.post(`${meter}/enable`)).statusCode).toBe(200);
    const gateway = `/api/admin/gateways/${w.gatewayId}`;
    expect((await w.admin.post(`${gateway}/disable`, { reason: 'maintenance' })).statusCode).toBe(
      200,
    );
    expect((await w.admin.get('/api/admin/gateways')).json()).toEqual([
      expect.objectContaining({ gatewayId: w.gatewayId, status: 'disabled' }),
    ]);
    expect((await w.admin.post(`${gateway}/enable`)).statusCode).toBe(200);
    const unknown = await w.admin.post(
      '/api/admin/meters/00000000-0000-4000-8000-000000000000/enable',
    );
    expect(unknown.statusCode).toBe(404);
  });

  it('adds states and cities and reads them back', async () => {
    expect((await w.admin.get('/api/admin/regions/KA')).statusCode).toBe(404);
    const state = await w.admin.post('/api/admin/regions', { stateCode: 'KA', name: 'Karnataka' });
    expect(state.statusCode).toBe(201);
    const city = await w.admin.post('/api/admin/regions/KA/cities', {
      name: 'Bengaluru',
      pincodeFrom: 560001,
      pincodeTo: 560110,
    });
    expect(city.statusCode).toBe(201);
    expect((await w.admin.get('/api/admin/regions/KA')).json()).toMatchObject({
      name: 'Karnataka',
      cities: [{ name: 'Bengaluru', pincodeFrom: 560001, pincodeTo: 560110 }],
    });
    expect(
      (await w.admin.post('/api/admin/regions', { stateCode: 'ka', name: 'x' })).statusCode,
    ).toBe(400);
  });

  it('lists every state with its cities in PIN code order', async () => {
    await w.admin.post('/api/admin/regions', { stateCode: 'GJ', name: 'Gujarat' });
    await w.admin.post('/api/admin/regions', { stateCode: 'TN', name: 'Tamil Nadu' });
    for (const [name, from, to] of [
      ['Madurai', 625001, 625025],
      ['Chennai', 600001, 600130],
    ] as const) {
      await w.admin.post('/api/admin/regions/TN/cities', {
        name,
        pincodeFrom: from,
        pincodeTo: to,
      });
    }
    const list = await w.admin.get('/api/admin/regions');
    expect(list.statusCode).toBe(200);
    const states = list.json<{ stateCode: string; name: string; cities: { name: string }[] }[]>();
    const codes = states.map((s) => s.stateCode);
    expect(codes).toEqual([...codes].sort());
    expect(states.find((s) => s.stateCode === 'GJ')).toEqual({
      stateCode: 'GJ',
      name: 'Gujarat',
      cities: [],
    });
    expect(states.find((s) => s.stateCode === 'TN')?.cities).toEqual([
      expect.objectContaining({ name: 'Chennai', pincodeFrom: 600001, pincodeTo: 600130 }),
      expect.objectContaining({ name: 'Madurai', pincodeFrom: 625001, pincodeTo: 625025 }),
    ]);
    expect((await w.a.browser.get('/api/admin/regions')).statusCode).toBe(403);
  });
});
