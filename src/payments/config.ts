// Which payment providers a server offers, from the environment: a real
// gateway when PAYMENT_GATEWAY_URL, PAYMENT_GATEWAY_KEY and
// PAYMENT_WEBHOOK_SECRET are all set (PAYMENT_GATEWAY_NAME names its webhook
// path, default "gateway"), and the TEST provider everywhere but production.
// The test provider's webhook secret is random per process: its webhooks are
// only ever delivered by the same process that signed them.

import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../auth/kv.ts';
import type { NodeEnv } from '../config.ts';
import { createHttpPaymentProvider } from './http-provider.ts';
import type { PaymentProvider } from './port.ts';
import { createTestPaymentProvider } from './test-provider.ts';

export function paymentProvidersFromEnv(
  env: Record<string, string | undefined>,
  options: { kv: KeyValueStore; publicUrl: string; nodeEnv: NodeEnv },
): PaymentProvider[] {
  const providers: PaymentProvider[] = [];
  const { PAYMENT_GATEWAY_URL: url, PAYMENT_GATEWAY_KEY: apiKey } = env;
  const webhookSecret = env.PAYMENT_WEBHOOK_SECRET;
  const configured = [url, apiKey, webhookSecret].filter(Boolean).length;
  if (configured > 0 && configured < 3)
    throw new Error(
      'PAYMENT_GATEWAY_URL, PAYMENT_GATEWAY_KEY and PAYMENT_WEBHOOK_SECRET go together',
    );
  if (url && apiKey && webhookSecret) {
    const name = env.PAYMENT_GATEWAY_NAME ?? 'gateway';
    if (!/^[a-z0-9-]{1,32}$/.test(name) || name === 'test')
      throw new Error('PAYMENT_GATEWAY_NAME must be lowercase letters, digits or dashes');
    providers.push(createHttpPaymentProvider({ name, url, apiKey, webhookSecret }));
  }
  if (options.nodeEnv !== 'production')
    providers.push(
      createTestPaymentProvider({
        kv: options.kv,
        publicUrl: options.publicUrl,
        webhookSecret: randomBytes(32).toString('base64url'),
      }),
    );
  return providers;
}
