// Chooses the notification adapters from configuration: SMTP when SMTP_URL is
// set, the HTTP SMS gateway when SMS_URL is set, and the dev outbox for
// whichever is not. The outbox is returned too, so the dev-only route can
// read it; it is null when both real channels are configured.

import type { KeyValueStore } from '../auth/kv.ts';
import { httpSmsSender, smtpMailer } from './adapters.ts';
import { devOutbox, type DevOutbox } from './outbox.ts';
import type { Notifier } from './port.ts';

export * from './port.ts';
export { devOutbox, type DevOutbox, type OutboxEntry } from './outbox.ts';
export { renderEmail, smsCodeText, formatRupees, type EmailTemplate } from './templates.ts';

export interface NotifierConfig {
  smtpUrl: string | undefined;
  smtpFrom: string;
  smsUrl: string | undefined;
  smsToken: string | undefined;
}

export function createNotifier(
  config: NotifierConfig,
  kv: KeyValueStore,
): Notifier & { outbox: DevOutbox | null } {
  const dev = devOutbox(kv);
  const smtp = config.smtpUrl ? smtpMailer(config.smtpUrl, config.smtpFrom) : null;
  const sms = config.smsUrl ? httpSmsSender({ url: config.smsUrl, token: config.smsToken }) : null;
  return {
    email: smtp ?? dev.mailer,
    sms: sms ?? dev.sms,
    outbox: smtp && sms ? null : dev,
    async close() {
      smtp?.close();
    },
  };
}
