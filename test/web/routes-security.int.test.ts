// Route security over HTTP, table-driven over every route in the OpenAPI
// document: customer B tries each customer route on customer A's property,
// bill, invitation and ticket (and A on B's) and always gets 403 or 404,
// while the owner's own GETs succeed; every admin, auditor and live route
// refuses a customer; bad, malformed and oversized bodies get 4xx
// problem+json.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPage } from '../../src/web/schemas/audit.ts';
import type { Property } from '../../src/web/schemas/properties.ts';
import type { WireProblem } from '../../src/web/schemas/wire.ts';
import type { Browser } from './auth-fixture.ts';
import { createRoutesHarness, type RoutesHarness } from './routes-fixture.ts';
import { buildWorld, type CustomerWorld, type World } from './routes-world.ts';

type Method = 'get' | 'post';
interface Route {
  method: Method;
  path: string;
}

/** A valid body per route, so a refusal cannot be a validation error in disguise. */
const BODIES: Record<string, object> = {
  'post /api/properties/{propertyId}/invitations': { username: 'someone', mobile: '9876543210' },
  'post /api/tickets/{ticketId}/comments': { text: 'hello' },
  'post /api/tickets/{ticketId}/reopen': { reason: 'again' },
  'post /api/bills/{billId}/checkout': {},
};

describe('route security', () => {
  let h: RoutesHarness;
  let w: World;
  let routes: Route[];

  beforeAll(async () => {
    h = await createRoutesHarness();
    w = await buildWorld(h);
    const doc = h.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m): m is Method => m === 'get' || m === 'post')
        .map((method) => ({ method, path })),
    );
  }, 120_000);
  afterAll(async () => {
    await h.close();
  });

  const fill = (path: string, victim: CustomerWorld) =>
    path
      .replace('{propertyId}', victim.propertyId)
      .replace('{billId}', victim.billId)
      .replace('{ticketId}', victim.ticketId)
      .replace('{invitationId}', victim.invitationId)
      .replace('{accountId}', victim.accountId)
      .replace('{runId}', w.runId)
      .replace('{kind}', 'residential')
      .replace('{stateCode}', 'MH')
      .replace('{stream}', `property-${victim.propertyId}`)
      .replace('{provider}', 'test')
      .replace('{id}', path.includes('gateways') ? w.gatewayId : victim.meterId);

  const call = (browser: Browser, route: Route, url: string) =>
    route.method === 'get'
      ? browser.get(url)
      : browser.post(url, BODIES[`${route.method} ${route.path}`] ?? {});

  const customerRoutes = () =>
    routes.filter(
      (r) =>
        /\{(propertyId|billId|ticketId|invitationId)\}/.test(r.path) &&
        !r.path.startsWith('/api/admin') &&
        !r.path.startsWith('/api/auditor'),
    );

  it('covers the customer routes that take a resource id', () => {
    expect(customerRoutes().length).toBeGreaterThanOrEqual(18);
  });

  it("each customer gets 403/404 on every route for the other's resources", async () => {
    const outcomes: string[] = [];
    for (const [attacker, victim] of [
      [w.b, w.a],
      [w.a, w.b],
    ] as const) {
      for (const route of customerRoutes()) {
        const response = await call(attacker.browser, route, fill(route.path, victim));
        outcomes.push(`${route.method} ${route.path} -> ${response.statusCode}`);
        expect([403, 404], `${route.method} ${route.path}: ${response.body}`).toContain(
          response.statusCode,
        );
        expect(response.headers['content-type']).toContain('application/problem+json');
      }
    }
    expect(outcomes.length).toBe(customerRoutes().length * 2);
  });

  it("the owner's own GETs on the same routes succeed (the refusals above are not for want of data)", async () => {
    for (const route of customerRoutes().filter((r) => r.method === 'get')) {
      const response = await call(w.a.browser, route, fill(route.path, w.a));
      expect(response.statusCode, `${route.path}: ${response.body}`).toBe(200);
    }
  });

  it('the other customer does not see the property in lists or as a ticket subject', async () => {
    const list = await w.b.browser.get('/api/properties');
    expect(list.json<Property[]>().map((p) => p.propertyId)).toEqual([w.b.propertyId]);
    const ticket = await w.b.browser.post('/api/tickets', {
      propertyId: w.a.propertyId,
      category: 'other',
      subject: 'x',
      text: 'y',
    });
    expect(ticket.statusCode).toBe(404);
  });

  it('every admin, auditor and live route refuses a customer with 403, and anonymous with 401', async () => {
    const staffOnly = routes.filter(
      (r) =>
        r.path.startsWith('/api/admin') ||
        r.path.startsWith('/api/auditor') ||
        r.path === '/api/live',
    );
    expect(staffOnly.length).toBeGreaterThanOrEqual(30);
    const anonymous = await h.signIn('00000000-0000-4000-8000-000000000000', []);
    anonymous.cookies.clear();
    for (const route of staffOnly) {
      const url = fill(route.path, w.a);
      const refused = await call(w.a.browser, route, url);
      expect(refused.statusCode, `${route.method} ${route.path}`).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'FORBIDDEN' });
      const anon = await call(anonymous, route, url);
      expect(anon.statusCode, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it('superuser-only routes refuse an admin; auditor routes refuse an admin', async () => {
    const su = await w.admin.post('/api/admin/accounts/' + w.a.accountId + '/roles/grant', {
      role: 'admin',
    });
    expect(su.statusCode).toBe(403);
    expect((await w.admin.get('/api/auditor/events')).statusCode).toBe(403);
    const events = await w.superuser.get('/api/auditor/events?limit=5');
    expect(events.json<EventPage>().events).toHaveLength(5);
  });

  it('bad, malformed and oversized bodies get 4xx problem+json', async () => {
    const browser = w.a.browser;
    const missing = await browser.post('/api/properties', { kind: 'castle' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(missing.json<WireProblem>().errors?.length).toBeGreaterThan(0);
    const extra = await browser.post('/api/tickets', {
      propertyId: w.a.propertyId,
      category: 'meter',
      subject: 's',
      text: 't',
      status: 'resolved',
    });
    expect(extra.statusCode).toBe(400);
    const malformed = await browser.post('/api/tickets', undefined, {
      'content-type': 'application/json',
    });
    expect([400, 415]).toContain(malformed.statusCode);
    const token = await browser.csrf();
    const broken = await h.app.inject({
      method: 'POST',
      url: '/api/tickets',
      headers: {
        cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-csrf-token': token,
        'content-type': 'application/json',
      },
      payload: '{"propertyId": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.headers['content-type']).toContain('application/problem+json');
    const huge = await browser.post('/api/tickets', {
      propertyId: w.a.propertyId,
      category: 'meter',
      subject: 's',
      text: 'x'.repeat(100_000),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const badId = await browser.get('/api/properties/not-a-uuid');
    expect(badId.statusCode).toBe(400);
  });

  it('a state-changing route without a CSRF token is refused', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/properties',
      headers: { cookie: `ml_session=${w.a.browser.session()}` },
      payload: { kind: 'residential' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
  });
});
