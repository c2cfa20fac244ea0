// Payment webhooks over HTTP on a real store and Redis: a genuine webhook
// records the payment once; the same webhook replayed records nothing more; a
// forged, tampered, stale or unsigned one is refused and changes nothing; a
// "failed" notification records nothing; an unknown provider is 404.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signWebhook } from '../../src/payments/signature.ts';
import type { Browser } from '../web/auth-fixture.ts';
import {
  ADDRESS,
  createRoutesHarness,
  WEBHOOK_SECRET,
  type RoutesHarness,
} from '../web/routes-fixture.ts';

describe('payment webhooks', () => {
  let h: RoutesHarness;
  let owner: Browser;
  let propertyId: string;

  beforeAll(async () => {
    h = await createRoutesHarness();
    const customer = await h.customer();
    owner = customer.browser;
    const added = await owner.post('/api/properties', { kind: 'residential', address: ADDRESS });
    propertyId = added.json<{ propertyId: string }>().propertyId;
  });
  afterAll(async () => {
    await h.close();
  });

  const notification = (overrides: Record<string, unknown> = {}) => ({
    providerReference: `test_${randomUUID().replace(/-/g, '').slice(0, 22)}`,
    status: 'paid',
    propertyId,
    billId: `${propertyId}_2026-01`,
    amountPaise: 50_000,
    paidAt: new Date(Date.now() - 1000).toISOString(),
    ...overrides,
  });

  const deliver = (body: Buffer, signature: string | null, provider = 'test') =>
    h.app.inject({
      method: 'POST',
      url: `/api/payments/webhooks/${provider}`,
      headers: {
        'content-type': 'application/json',
        ...(signature === null ? {} : { [SIGNATURE_HEADER]: signature }),
      },
      payload: body,
    });

  const payments = async () =>
    (await owner.get(`/api/properties/${propertyId}/payments`)).json<unknown[]>();
  const paidPaise = async () =>
    (await owner.get(`/api/properties/${propertyId}/balance`)).json<{ paidPaise: number }>()
      .paidPaise;

  it('records a genuine webhook once, and a replay of it changes nothing', async () => {
    const body = Buffer.from(JSON.stringify(notification()));
    const signature = signWebhook(WEBHOOK_SECRET, body, new Date());
    const first = await deliver(body, signature);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ status: 'recorded' });
    expect(await payments()).toHaveLength(1);
    expect(await paidPaise()).toBe(50_000);

    const replay = await deliver(body, signature);
    expect(replay.statusCode).toBe(200);
    expect(await payments()).toHaveLength(1);
    expect(await paidPaise()).toBe(50_000);
  });

  it('refuses forged, tampered, stale and unsigned webhooks without recording anything', async () => {
    const before = await payments();
    const body = Buffer.from(JSON.stringify(notification({ amountPaise: 9_999_900 })));
    const forged = await deliver(body, signWebhook('not-the-secret', body, new Date()));
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ code: 'SIGNATURE_INVALID' });

    const original = Buffer.from(JSON.stringify(notification({ amountPaise: 100 })));
    const tampered = await deliver(body, signWebhook(WEBHOOK_SECRET, original, new Date()));
    expect(tampered.json()).toMatchObject({ code: 'SIGNATURE_INVALID' });

    const stale = await deliver(
      body,
      signWebhook(WEBHOOK_SECRET, body, new Date(Date.now() - 10 * 60_000)),
    );
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toMatchObject({ code: 'SIGNATURE_EXPIRED' });

    const unsigned = await deliver(body, null);
    expect(unsigned.json()).toMatchObject({ code: 'SIGNATURE_MISSING' });
    expect(unsigned.headers['content-type']).toContain('application/problem+json');

    expect(await payments()).toEqual(before);
  });

  it('a failed payment records nothing; an unknown provider is 404', async () => {
    const before = await payments();
    const body = Buffer.from(JSON.stringify(notification({ status: 'failed' })));
    const failed = await deliver(body, signWebhook(WEBHOOK_SECRET, body, new Date()));
    expect(failed.json()).toEqual({ status: 'ignored' });
    const unknown = await deliver(body, signWebhook(WEBHOOK_SECRET, body, new Date()), 'acme');
    expect(unknown.statusCode).toBe(404);
    expect(await payments()).toEqual(before);
  });

  it('the webhook needs no CSRF token, but other payment routes do', async () => {
    const checkout = await h.app.inject({
      method: 'POST',
      url: `/api/bills/${propertyId}_2026-01/checkout`,
      headers: { cookie: `ml_session=${owner.session()}`, 'content-type': 'application/json' },
      payload: {},
    });
    expect(checkout.json()).toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
  });
});
