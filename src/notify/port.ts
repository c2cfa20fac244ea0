// The notification ports: what the rest of the ledger may ask for (send this
// email, send this SMS) without knowing whether it goes to an SMTP server, an
// SMS gateway or the dev outbox. Adapters live beside this file.

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SmsMessage {
  /** 10-digit Indian mobile number. */
  to: string;
  text: string;
}

export interface Mailer {
  send(message: EmailMessage): Promise<void>;
}

export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

export interface Notifier {
  email: Mailer;
  sms: SmsSender;
  close(): Promise<void>;
}
