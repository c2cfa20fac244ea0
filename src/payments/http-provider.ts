// An adapter for a real payment gateway reached over HTTP, configured by URL
// and keys: a checkout is `POST <url>/checkouts` with the API key as a bearer
// token, answered with `{ id, checkoutUrl }`; the gateway's webhooks carry the
// payment-notification body signed with the shared webhook secret (see
// signature.ts). Gateways with another body shape get their own adapter.

import { z } from 'zod';
import type { Checkout, PaymentProvider } from './port.ts';
import { verifyWebhook } from './signature.ts';

export interface HttpPaymentProviderOptions {
  name: string;
  url: string;
  apiKey: string;
  webhookSecret: string;
  timeoutMs?: number;
}

const checkoutAnswer = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  checkoutUrl: z.url({ protocol: /^https?$/ }),
});

export function createHttpPaymentProvider(options: HttpPaymentProviderOptions): PaymentProvider {
  const base = options.url.replace(/\/+$/, '');
  return {
    name: options.name,
    async startCheckout(request): Promise<Checkout> {
      const response = await fetch(`${base}/checkouts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          amountPaise: request.amountPaise,
          currency: 'INR',
          returnUrl: request.returnUrl,
          metadata: { propertyId: request.propertyId, billId: request.billId },
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (!response.ok) throw new Error(`payment gateway answered ${response.status}`);
      const answer = checkoutAnswer.parse(await response.json());
      return { checkoutUrl: answer.checkoutUrl, providerReference: answer.id };
    },
    verify: (headers, rawBody, now) => verifyWebhook(options.webhookSecret, headers, rawBody, now),
  };
}
