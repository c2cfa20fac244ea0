// The built-in TEST payment provider, for the demo and the tests: a checkout
// is a page this app serves at /pay/test/:ref with "pay" and "fail" buttons;
// pressing one makes the provider sign a webhook exactly as a real gateway
// would and deliver it to our own webhook route. Pending checkouts live in
// the key-value store (Redis when configured), so any web process can finish
// one another started.

import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../auth/kv.ts';
import type { Checkout, CheckoutRequest, PaymentNotification, PaymentProvider } from './port.ts';
import { signWebhook, verifyWebhook } from './signature.ts';

const CHECKOUT_TTL_MS = 60 * 60 * 1000;
const key = (ref: string) => `pay:test:${ref}`;

export interface TestPaymentProvider extends PaymentProvider {
  readonly name: 'test';
  /** The pending checkout, or null when unknown or expired. */
  checkout(ref: string): Promise<CheckoutRequest | null>;
  /** The signed webhook a "pay" or "fail" press sends, and forgets the checkout (null: unknown, expired or already done). */
  complete(
    ref: string,
    status: PaymentNotification['status'],
    now: Date,
  ): Promise<{ body: Buffer; signature: string; returnUrl: string } | null>;
}

export function createTestPaymentProvider(options: {
  kv: KeyValueStore;
  /** Origin of this app; checkout pages are served under it. */
  publicUrl: string;
  webhookSecret: string;
}): TestPaymentProvider {
  const { kv, publicUrl, webhookSecret } = options;
  const checkout = async (ref: string): Promise<CheckoutRequest | null> => {
    if (!/^test_[A-Za-z0-9_-]{22}$/.test(ref)) return null;
    const stored = await kv.get(key(ref));
    return stored === null ? null : (JSON.parse(stored) as CheckoutRequest);
  };
  return {
    name: 'test',
    async startCheckout(request): Promise<Checkout> {
      const providerReference = `test_${randomBytes(16).toString('base64url')}`;
      await kv.set(key(providerReference), JSON.stringify(request), CHECKOUT_TTL_MS);
      return { checkoutUrl: `${publicUrl}/pay/test/${providerReference}`, providerReference };
    },
    verify: (headers, rawBody, now) => verifyWebhook(webhookSecret, headers, rawBody, now),
    checkout,
    async complete(ref, status, now) {
      if (!/^test_[A-Za-z0-9_-]{22}$/.test(ref)) return null;
      // take, not get + del: of two presses at once only one sends a webhook.
      const stored = await kv.take(key(ref));
      if (stored === null) return null;
      const request = JSON.parse(stored) as CheckoutRequest;
      const notification: PaymentNotification = {
        providerReference: ref,
        status,
        propertyId: request.propertyId,
        billId: request.billId,
        amountPaise: request.amountPaise,
        paidAt: now.toISOString(),
      };
      const body = Buffer.from(JSON.stringify(notification));
      return {
        body,
        signature: signWebhook(webhookSecret, body, now),
        returnUrl: request.returnUrl,
      };
    },
  };
}
