// Real delivery: email through nodemailer over SMTP_URL, SMS through an HTTP
// gateway (POST JSON {to, text} to SMS_URL with a bearer token). Errors name
// the channel and the status only, never the message, which may hold a code.

import nodemailer from 'nodemailer';
import type { Mailer, SmsSender } from './port.ts';

export function smtpMailer(url: string, from: string): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(url);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}

export interface HttpSmsOptions {
  url: string;
  token: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class SmsDeliveryError extends Error {
  constructor(readonly status: number | null) {
    super(status === null ? 'SMS gateway unreachable' : `SMS gateway answered ${status}`);
    this.name = 'SmsDeliveryError';
  }
}

export function httpSmsSender(options: HttpSmsOptions): SmsSender {
  const doFetch = options.fetch ?? fetch;
  return {
    async send(message) {
      let response: Response;
      try {
        response = await doFetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify({ to: message.to, text: message.text }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
        });
      } catch {
        throw new SmsDeliveryError(null);
      }
      await response.body?.cancel();
      if (!response.ok) throw new SmsDeliveryError(response.status);
    },
  };
}
