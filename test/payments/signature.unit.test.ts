// Webhook signatures: a body signed with the secret verifies; a wrong secret,
// a changed body, a stale or future timestamp, a missing or malformed header
// and a body that is not a payment notification are each refused with their
// own code.

import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../src/payments/port.ts';
import { SIGNATURE_HEADER, signWebhook, verifyWebhook } from '../../src/payments/signature.ts';

const SECRET = 'whsec-unit';
const NOW = new Date('2026-03-01T10:00:00Z');
const notification = {
  providerReference: 'pay_123',
  status: 'paid',
  propertyId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76',
  billId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76_2026-02',
  amountPaise: 12_345,
  paidAt: '2026-03-01T09:59:00.000Z',
};
const body = Buffer.from(JSON.stringify(notification));
const headers = (value: string | undefined) => ({ [SIGNATURE_HEADER]: value });
const code = (result: unknown) => (result instanceof WebhookError ? result.code : 'ACCEPTED');

describe('webhook signatures', () => {
  it('accepts a body signed with the secret and returns the notification', () => {
    const result = verifyWebhook(SECRET, headers(signWebhook(SECRET, body, NOW)), body, NOW);
    expect(result).toEqual(notification);
  });

  it('refuses a signature made with another secret', () => {
    const forged = signWebhook('guessed', body, NOW);
    expect(code(verifyWebhook(SECRET, headers(forged), body, NOW))).toBe('SIGNATURE_INVALID');
  });

  it('refuses a body changed after signing (amount raised)', () => {
    const signature = signWebhook(SECRET, body, NOW);
    const tampered = Buffer.from(JSON.stringify({ ...notification, amountPaise: 99_999_999 }));
    expect(code(verifyWebhook(SECRET, headers(signature), tampered, NOW))).toBe(
      'SIGNATURE_INVALID',
    );
  });

  it('refuses a replay outside the tolerance, in either direction', () => {
    const signature = signWebhook(SECRET, body, NOW);
    const later = new Date(NOW.getTime() + 301_000);
    const earlier = new Date(NOW.getTime() - 301_000);
    expect(code(verifyWebhook(SECRET, headers(signature), body, later))).toBe('SIGNATURE_EXPIRED');
    expect(code(verifyWebhook(SECRET, headers(signature), body, earlier))).toBe(
      'SIGNATURE_EXPIRED',
    );
    const inside = new Date(NOW.getTime() + 299_000);
    expect(code(verifyWebhook(SECRET, headers(signature), body, inside))).toBe('ACCEPTED');
  });

  it('refuses missing and malformed headers', () => {
    expect(code(verifyWebhook(SECRET, {}, body, NOW))).toBe('SIGNATURE_MISSING');
    for (const bad of ['', 't=abc,v1=00', `t=${NOW.getTime() / 1000}`, 'v1=' + 'a'.repeat(64)])
      expect(code(verifyWebhook(SECRET, headers(bad), body, NOW))).toBe('SIGNATURE_INVALID');
  });

  it('refuses a correctly signed body that is not a payment notification', () => {
    for (const raw of ['not json', JSON.stringify({ ...notification, amountPaise: -5 })]) {
      const b = Buffer.from(raw);
      expect(code(verifyWebhook(SECRET, headers(signWebhook(SECRET, b, NOW)), b, NOW))).toBe(
        'BODY_INVALID',
      );
    }
  });
});
