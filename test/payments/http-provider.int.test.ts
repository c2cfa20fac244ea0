// The HTTP payment-gateway adapter against a real local HTTP server standing
// in for the gateway: a checkout sends the amount with the API key and
// returns the gateway's id and URL; an error status or a malformed answer is
// an error, not a checkout; webhooks verify with the configured secret only.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPaymentProvider } from '../../src/payments/http-provider.ts';
import { WebhookError } from '../../src/payments/port.ts';
import { SIGNATURE_HEADER, signWebhook } from '../../src/payments/signature.ts';

describe('HTTP payment provider', () => {
  let server: Server;
  let url: string;
  const received: { auth: string | undefined; body: unknown }[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ auth: request.headers.authorization, body: JSON.parse(body) });
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const provider = () =>
    createHttpPaymentProvider({ name: 'acme', url, apiKey: 'key-1', webhookSecret: 'whsec-acme' });
  const request = {
    propertyId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76',
    billId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76_2026-02',
    amountPaise: 4_200,
    returnUrl: 'https://ledger.example.in/bills',
  };

  it('starts a checkout with the API key and returns the gateway reference', async () => {
    answer = { status: 201, body: { id: 'chk_42', checkoutUrl: 'https://pay.example/chk_42' } };
    const checkout = await provider().startCheckout(request);
    expect(checkout).toEqual({
      providerReference: 'chk_42',
      checkoutUrl: 'https://pay.example/chk_42',
    });
    expect(received.at(-1)).toEqual({
      auth: 'Bearer key-1',
      body: {
        amountPaise: 4_200,
        currency: 'INR',
        returnUrl: request.returnUrl,
        metadata: { propertyId: request.propertyId, billId: request.billId },
      },
    });
  });

  it('an error status or a malformed answer is an error', async () => {
    answer = { status: 502, body: {} };
    await expect(provider().startCheckout(request)).rejects.toThrow(/502/);
    answer = { status: 200, body: { id: 'chk 1', checkoutUrl: 'javascript:alert(1)' } };
    await expect(provider().startCheckout(request)).rejects.toThrow();
  });

  it('verifies webhooks with its own secret only', () => {
    const body = Buffer.from(
      JSON.stringify({
        providerReference: 'chk_42',
        status: 'paid',
        propertyId: request.propertyId,
        billId: request.billId,
        amountPaise: 4_200,
        paidAt: new Date().toISOString(),
      }),
    );
    const now = new Date();
    const ok = provider().verify(
      { [SIGNATURE_HEADER]: signWebhook('whsec-acme', body, now) },
      body,
      now,
    );
    expect(ok).toMatchObject({ providerReference: 'chk_42', amountPaise: 4_200 });
    const other = provider().verify(
      { [SIGNATURE_HEADER]: signWebhook('whsec-x', body, now) },
      body,
      now,
    );
    expect(other).toBeInstanceOf(WebhookError);
  });
});
