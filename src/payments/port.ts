// The payment provider port. A provider starts a hosted checkout for an
// amount on a bill and later tells us, in a signed webhook, whether it was
// paid. `verify` gets the raw request body: the signature covers the exact
// bytes, so it must run before anything parses or re-serialises them.

import { z } from 'zod';

export interface CheckoutRequest {
  propertyId: string;
  billId: string;
  amountPaise: number;
  /** Where the payer's browser goes once the checkout is over. */
  returnUrl: string;
}

export interface Checkout {
  checkoutUrl: string;
  /** The provider's id for this checkout; payments are idempotent by it. */
  providerReference: string;
}

/** What a verified webhook says. Every provider's body is mapped to this. */
export const paymentNotificationSchema = z.strictObject({
  providerReference: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  status: z.enum(['paid', 'failed']),
  propertyId: z.uuid(),
  billId: z.string().max(80),
  amountPaise: z.number().int().positive(),
  /** ISO instant the provider captured the money. */
  paidAt: z.iso.datetime({ offset: true }),
});
export type PaymentNotification = z.infer<typeof paymentNotificationSchema>;

export type WebhookRejection =
  'SIGNATURE_MISSING' | 'SIGNATURE_INVALID' | 'SIGNATURE_EXPIRED' | 'BODY_INVALID';

export class WebhookError extends Error {
  constructor(
    readonly code: WebhookRejection,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

export type Headers = Record<string, string | string[] | undefined>;

export interface PaymentProvider {
  /** Path segment of its webhook: POST /api/payments/webhooks/:name. */
  readonly name: string;
  startCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** The notification, or a WebhookError; never throws for a bad request. */
  verify(headers: Headers, rawBody: Buffer, now: Date): PaymentNotification | WebhookError;
}
