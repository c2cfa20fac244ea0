// Webhook signatures: HMAC-SHA256 over `<unix seconds>.<raw body>`, sent as
// `x-ledger-signature: t=<seconds>,v1=<hex>`. The timestamp is signed too,
// so an old captured request cannot be replayed outside the tolerance, and
// the comparison is constant-time so the signature cannot be guessed byte by
// byte. Inside the tolerance a replay is harmless: payments are idempotent
// by provider reference.

import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  paymentNotificationSchema,
  WebhookError,
  type Headers,
  type PaymentNotification,
} from './port.ts';

export const SIGNATURE_HEADER = 'x-ledger-signature';
export const DEFAULT_TOLERANCE_S = 300;

const mac = (secret: string, timestamp: number, body: Buffer): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

/** The header value for a body signed at `now`. */
export function signWebhook(secret: string, body: Buffer, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${mac(secret, t, body).toString('hex')}`;
}

/** Checks the signature header, then parses and validates the body. */
export function verifyWebhook(
  secret: string,
  headers: Headers,
  rawBody: Buffer,
  now: Date,
  toleranceS = DEFAULT_TOLERANCE_S,
): PaymentNotification | WebhookError {
  const header = headers[SIGNATURE_HEADER];
  if (typeof header !== 'string') return new WebhookError('SIGNATURE_MISSING', 'no signature');
  const parts = new Map(
    header.split(',').map((part) => part.split('=', 2) as [string, string | undefined]),
  );
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || !/^[0-9a-f]{64}$/.test(given))
    return new WebhookError('SIGNATURE_INVALID', 'malformed signature');
  if (Math.abs(now.getTime() / 1000 - t) > toleranceS)
    return new WebhookError('SIGNATURE_EXPIRED', 'signature timestamp outside the tolerance');
  if (!timingSafeEqual(mac(secret, t, rawBody), Buffer.from(given, 'hex')))
    return new WebhookError('SIGNATURE_INVALID', 'signature does not match');
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return new WebhookError('BODY_INVALID', 'body is not JSON');
  }
  const parsed = paymentNotificationSchema.safeParse(json);
  return parsed.success
    ? parsed.data
    : new WebhookError('BODY_INVALID', 'body is not a payment notification');
}
