// Notifications through real transports: nodemailer to an in-process SMTP
// server, the HTTP SMS adapter to a local gateway (and its failures), the dev
// outbox on the memory store, and every email template rendered safely.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryKeyValueStore } from '../../src/auth/kv.ts';
import { httpSmsSender, SmsDeliveryError } from '../../src/notify/adapters.ts';
import {
  createNotifier,
  formatRupees,
  renderEmail,
  type EmailTemplate,
} from '../../src/notify/index.ts';
import { startSmsGateway, startSmtp, type Captured } from '../web/auth-fixture.ts';

describe('notifications', () => {
  const captured: Captured = { emails: [], sms: [] };
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let gateway: Awaited<ReturnType<typeof startSmsGateway>>;

  beforeAll(async () => {
    smtp = await startSmtp(captured);
    gateway = await startSmsGateway(captured, 'secret-token');
  });
  afterAll(async () => {
    await smtp.close();
    await gateway.close();
  });

  it('sends email over SMTP and SMS over HTTP when both are configured', async () => {
    const kv = memoryKeyValueStore();
    const notifier = createNotifier(
      {
        smtpUrl: smtp.url,
        smtpFrom: 'ledger <no-reply@example.in>',
        smsUrl: gateway.url,
        smsToken: 'secret-token',
      },
      kv,
    );
    expect(notifier.outbox).toBeNull();
    await notifier.email.send(
      renderEmail('ravi@example.in', {
        kind: 'login-link',
        name: 'Ravi',
        link: 'http://x/login/link#token=abc',
      }),
    );
    await notifier.sms.send({ to: '9876543210', text: '123456 is your code' });
    expect(captured.emails.at(-1)?.to).toBe('ravi@example.in');
    expect(captured.emails.at(-1)?.raw).toContain('Subject: Your sign-in link');
    expect(captured.sms.at(-1)).toEqual({ to: '9876543210', text: '123456 is your code' });
    await notifier.close();
    await kv.close();
  });

  it('the SMS adapter reports a refused or unreachable gateway without the message', async () => {
    const refused = httpSmsSender({ url: gateway.url, token: 'wrong' });
    const error = await refused.send({ to: '9876543210', text: '654321' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsDeliveryError);
    expect((error as SmsDeliveryError).status).toBe(401);
    expect(String(error)).not.toContain('654321');
    const down = httpSmsSender({ url: 'http://127.0.0.1:1/sms', token: undefined, timeoutMs: 500 });
    await expect(down.send({ to: '9876543210', text: 'x' })).rejects.toThrow('unreachable');
  });

  it('falls back to the dev outbox, newest first', async () => {
    const kv = memoryKeyValueStore();
    const notifier = createNotifier(
      { smtpUrl: undefined, smtpFrom: 'x <x@x.in>', smsUrl: undefined, smsToken: undefined },
      kv,
    );
    await notifier.sms.send({ to: '9876543210', text: 'first' });
    await notifier.email.send(
      renderEmail('a@example.in', {
        kind: 'missed-reading',
        name: 'A',
        property: 'H-12',
        period: 'May 2026',
      }),
    );
    const entries = await notifier.outbox!.list();
    expect(entries.map((e) => e.channel)).toEqual(['email', 'sms']);
    expect(entries[1]).toMatchObject({ channel: 'sms', to: '9876543210', text: 'first' });
    await kv.close();
  });

  it('renders every template with subject, text and escaped HTML', () => {
    const evil = '<script>alert(1)</script>';
    const templates: EmailTemplate[] = [
      { kind: 'verify-email', name: evil, link: 'https://l/verify-email#token=t' },
      { kind: 'login-link', name: evil, link: 'https://l/login/link#token=t' },
      { kind: 'password-reset', name: evil, link: 'https://l/password/reset#token=t' },
      {
        kind: 'account-exists',
        name: evil,
        loginUrl: 'https://l/login',
        resetUrl: 'https://l/password/reset',
      },
      {
        kind: 'tenant-invitation',
        name: evil,
        ownerName: 'Owner',
        property: 'Flat 4',
        link: 'https://l/t',
      },
      {
        kind: 'bill-issued',
        name: evil,
        property: 'Flat 4',
        period: 'May 2026',
        totalPaise: 123456,
        dueDate: '2026-06-15',
        link: 'https://l/b',
      },
      { kind: 'missed-reading', name: evil, property: 'Flat 4', period: 'May 2026' },
      { kind: 'meter-disabled', name: evil, property: 'Flat 4', reason: 'two missed readings' },
      {
        kind: 'ticket-updated',
        name: evil,
        ticketRef: 'T-42',
        status: 'resolved',
        link: 'https://l/t/42',
      },
    ];
    for (const template of templates) {
      const mail = renderEmail('p@example.in', template);
      expect(mail.subject.length).toBeGreaterThan(5);
      expect(mail.text).toContain(evil);
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).toContain('&#60;script&#62;');
    }
    expect(renderEmail('p@example.in', templates[5]!).subject).toBe(
      'Your bill for May 2026: ₹1,234.56',
    );
    expect(formatRupees(12345678901)).toBe('₹12,34,56,789.01');
    expect(formatRupees(-5)).toBe('-₹0.05');
  });
});
