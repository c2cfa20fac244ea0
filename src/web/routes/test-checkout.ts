// The TEST payment provider's hosted checkout, served by this app so the demo
// and tests can pay without a real gateway: a page with "Pay" and "Fail"
// buttons (its script is a separate file, as the CSP forbids inline ones)
// whose press makes the provider sign a webhook and deliver it to our own
// webhook route, exactly the path a real gateway's webhook takes.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SIGNATURE_HEADER } from '../../payments/signature.ts';
import type { TestPaymentProvider } from '../../payments/test-provider.ts';
import { ProblemError } from '../problem.ts';
import { notFound, ok } from './api-support.ts';
import { rupees } from './bill-document.ts';

const refParams = z.object({ ref: z.string().regex(/^test_[A-Za-z0-9_-]{22}$/) });

const SCRIPT = `document.querySelectorAll('button[data-outcome]').forEach((b) => {
  b.addEventListener('click', async () => {
    const token = document.querySelector('meta[name=csrf]').content;
    const r = await fetch(location.pathname + '/complete', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ outcome: b.dataset.outcome }),
    });
    const answer = await r.json();
    if (answer.returnUrl) location.href = answer.returnUrl;
    else document.body.textContent = answer.detail || 'This checkout is over.';
  });
});`;

export async function testCheckoutRoutes(
  root: FastifyInstance,
  opts: { provider: TestPaymentProvider },
) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { provider } = opts;

  app.get('/pay/test/checkout.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(SCRIPT),
  );

  app.get(
    '/pay/test/:ref',
    { schema: { hide: true, params: refParams } },
    async (request, reply) => {
      const checkout = await provider.checkout(request.params.ref);
      if (checkout === null) throw notFound('checkout');
      const token = reply.generateCsrf();
      return reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="csrf" content="${token}">
<title>Test payment</title><script src="/pay/test/checkout.js" defer></script></head>
<body><h1>Test payment gateway</h1><p>Bill ${checkout.billId.replace(/[^A-Za-z0-9_-]/g, '')}: ₹${rupees(checkout.amountPaise)}</p>
<button data-outcome="paid">Pay</button> <button data-outcome="failed">Fail</button></body></html>`);
    },
  );

  app.post(
    '/pay/test/:ref/complete',
    {
      schema: {
        hide: true,
        params: refParams,
        body: z.strictObject({ outcome: z.enum(['paid', 'failed']) }),
        response: ok(z.object({ returnUrl: z.string() })),
      },
    },
    async (request) => {
      const completed = await provider.complete(
        request.params.ref,
        request.body.outcome,
        app.authSettings.clock(),
      );
      if (completed === null) throw notFound('checkout');
      const delivered = await app.inject({
        method: 'POST',
        url: `/api/payments/webhooks/${provider.name}`,
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: completed.signature },
        payload: completed.body,
      });
      if (delivered.statusCode !== 200)
        throw new ProblemError(502, 'WEBHOOK_FAILED', 'The payment could not be recorded.');
      return { returnUrl: completed.returnUrl };
    },
  );
}
