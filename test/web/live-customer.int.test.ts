// The portal's live feed (GET /api/live/mine) over a real listening server:
// each customer's stream carries their own properties, bills, payments,
// tickets and meters; a payment, a comment and a reading on customer A's
// things reach A's stream and never B's; staff and anonymous callers are
// refused before any event.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieOf, openSse, postOverHttp, type SseEvent, type SseStream } from './live-support.ts';
import { createRoutesHarness, type RoutesHarness } from './routes-fixture.ts';
import { buildWorld, type CustomerWorld, type World } from './routes-world.ts';

let h: RoutesHarness;
let w: World;
let url: string;

beforeAll(async () => {
  h = await createRoutesHarness();
  w = await buildWorld(h);
  url = await h.app.listen({ port: 0, host: '127.0.0.1' });
}, 60_000);
afterAll(async () => h?.close());

const MINE = '/api/live/mine';
const rows = (e: SseEvent) => e.data as Record<string, unknown>[];
const idsOf = (c: CustomerWorld) => [c.accountId, c.propertyId, c.billId, c.ticketId, c.meterId];

/** Every topic arrives once at subscription with the customer's current state. */
async function opened(c: CustomerWorld): Promise<SseStream> {
  const stream = await openSse(`${url}${MINE}`, cookieOf(c.browser));
  expect(stream.status).toBe(200);
  for (const topic of ['properties', 'bills', 'payments', 'tickets', 'meters'])
    await stream.until((e) => e.event === topic);
  return stream;
}

describe('customer live feed', () => {
  it("A's payment, comment and reading reach A's stream and never B's", async () => {
    const a = await opened(w.a);
    const b = await opened(w.b);
    try {
      const first = (s: SseStream, topic: string) => rows(s.events.find((e) => e.event === topic)!);
      expect(first(a, 'properties')).toEqual([
        { propertyId: w.a.propertyId, status: 'approved', role: 'owner' },
      ]);
      expect(first(a, 'bills').map((r) => r.billId)).toEqual([w.a.billId]);
      expect(first(a, 'tickets').map((r) => r.ticketId)).toEqual([w.a.ticketId]);
      expect(first(a, 'meters')).toMatchObject([{ meterId: w.a.meterId, online: false }]);
      expect(first(a, 'payments')).toEqual([]);
      expect(first(b, 'bills').map((r) => r.billId)).toEqual([w.b.billId]);
      const bBefore = b.events.length;

      const paid = await w.admin.post(`/api/admin/properties/${w.a.propertyId}/payments`, {
        method: 'cash',
        receipt: 'R-1',
        amountPaise: 1000,
        receivedAt: new Date().toISOString(),
      });
      expect(paid.statusCode).toBe(201);
      const payment = await a.until((e) => e.event === 'payments' && rows(e).length === 1);
      expect(rows(payment)[0]).toMatchObject({ propertyId: w.a.propertyId, amountPaise: 1000 });
      // The bill's amount due changed with the payment too.
      await a.until((e) => e.event === 'bills' && e !== a.events.find((f) => f.event === 'bills'));

      const commented = await postOverHttp(
        url,
        w.a.browser,
        `/api/tickets/${w.a.ticketId}/comments`,
      );
      expect(commented.status).toBe(400); // no body: refused, and nothing changes
      const comment = await w.a.browser.post(`/api/tickets/${w.a.ticketId}/comments`, {
        text: 'Any news?',
      });
      expect(comment.statusCode).toBe(201);
      await a.until((e) => e.event === 'tickets' && rows(e)[0]!.comments === 1);

      const lastReading = rows(a.events.filter((e) => e.event === 'meters').at(-1)!)[0]!;
      await h.reading(w.a.meterId, 50, 130_000, new Date().toISOString());
      const reading = await a.until(
        (e) => e.event === 'meters' && rows(e)[0]!.lastReadingAt !== lastReading.lastReadingAt,
      );
      expect(rows(reading)[0]!.meterId).toBe(w.a.meterId);

      // Several polls later, B has received nothing new and nothing of A's, ever.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(b.events.length).toBe(bBefore);
      const seenByB = JSON.stringify(b.events);
      for (const id of idsOf(w.a)) expect(seenByB).not.toContain(id);
      const seenByA = JSON.stringify(a.events);
      for (const id of idsOf(w.b)) expect(seenByA).not.toContain(id);
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses staff (403) and anonymous callers (401) with a problem, before any event', async () => {
    const admin = await fetch(`${url}${MINE}`, { headers: { cookie: cookieOf(w.admin) } });
    expect(admin.status).toBe(403);
    expect(admin.headers.get('content-type')).toContain('application/problem+json');
    await admin.body?.cancel();
    const anonymous = await fetch(`${url}${MINE}`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
  });
});
