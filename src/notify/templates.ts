// Email templates: subject, plain text and minimal HTML for every message the
// ledger sends. Every interpolated value is HTML-escaped in the HTML part;
// amounts arrive in integer paise and are formatted here, once.

import type { EmailMessage } from './port.ts';

export type EmailTemplate =
  | { kind: 'verify-email'; name: string; link: string }
  | { kind: 'login-link'; name: string; link: string }
  | { kind: 'password-reset'; name: string; link: string }
  | { kind: 'account-exists'; name: string; loginUrl: string; resetUrl: string }
  | { kind: 'tenant-invitation'; name: string; ownerName: string; property: string; link: string }
  | {
      kind: 'bill-issued';
      name: string;
      property: string;
      period: string;
      totalPaise: number;
      dueDate: string;
      link: string;
    }
  | { kind: 'missed-reading'; name: string; property: string; period: string }
  | { kind: 'meter-disabled'; name: string; property: string; reason: string }
  | { kind: 'ticket-updated'; name: string; ticketRef: string; status: string; link: string };

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** ₹1,234.50 from 123450 paise; Indian digit grouping. */
export function formatRupees(paise: number): string {
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(paise);
  const rupees = Math.floor(abs / 100).toLocaleString('en-IN');
  return `${sign}₹${rupees}.${String(abs % 100).padStart(2, '0')}`;
}

type Rendered = { subject: string; lines: string[]; link?: { href: string; label: string } };

const EXPIRY = 'It works once and expires in 10 minutes.';
const NOT_YOU = 'If you did not ask for this, ignore this email.';

function content(t: EmailTemplate): Rendered {
  switch (t.kind) {
    case 'verify-email':
      return {
        subject: 'Confirm your email address',
        lines: [
          `Hello ${t.name},`,
          'Confirm this address for your meterledger account.',
          EXPIRY,
          NOT_YOU,
        ],
        link: { href: t.link, label: 'Confirm email' },
      };
    case 'login-link':
      return {
        subject: 'Your sign-in link',
        lines: [
          `Hello ${t.name},`,
          'Use this link to sign in from the browser where you asked for it.',
          EXPIRY,
          NOT_YOU,
        ],
        link: { href: t.link, label: 'Sign in' },
      };
    case 'password-reset':
      return {
        subject: 'Reset your password',
        lines: [
          `Hello ${t.name},`,
          'Use this link, in the browser where you asked for it, to choose a new password.',
          EXPIRY,
          NOT_YOU,
        ],
        link: { href: t.link, label: 'Choose a new password' },
      };
    case 'account-exists':
      return {
        subject: 'Someone tried to sign up with your email',
        lines: [
          `Hello ${t.name},`,
          'Someone tried to create a new meterledger account with this email address, which already has an account.',
          `If it was you, sign in at ${t.loginUrl} or reset your password at ${t.resetUrl}.`,
          NOT_YOU,
        ],
      };
    case 'tenant-invitation':
      return {
        subject: `${t.ownerName} added you as a tenant`,
        lines: [
          `Hello ${t.name},`,
          `${t.ownerName} added you as the tenant of ${t.property}. Accept or decline in the portal.`,
        ],
        link: { href: t.link, label: 'Review the invitation' },
      };
    case 'bill-issued':
      return {
        subject: `Your bill for ${t.period}: ${formatRupees(t.totalPaise)}`,
        lines: [
          `Hello ${t.name},`,
          `Your electricity bill for ${t.property}, ${t.period}, is ${formatRupees(t.totalPaise)}, due on ${t.dueDate}.`,
        ],
        link: { href: t.link, label: 'View and pay the bill' },
      };
    case 'missed-reading':
      return {
        subject: `Missed meter reading at ${t.property}`,
        lines: [
          `Hello ${t.name},`,
          `The meter at ${t.property} did not answer for ${t.period}. This period will be billed with the next one, with a penalty. A second consecutive miss disables the meter; please check that it is powered and connected.`,
        ],
      };
    case 'meter-disabled':
      return {
        subject: `Meter disabled at ${t.property}`,
        lines: [
          `Hello ${t.name},`,
          `The meter at ${t.property} has been disabled: ${t.reason}. Raise a support ticket to have it restored.`,
        ],
      };
    case 'ticket-updated':
      return {
        subject: `Ticket ${t.ticketRef}: ${t.status}`,
        lines: [`Hello ${t.name},`, `Your support ticket ${t.ticketRef} is now ${t.status}.`],
        link: { href: t.link, label: 'View the ticket' },
      };
    default: {
      const _exhaustive: never = t;
      return _exhaustive;
    }
  }
}

export function renderEmail(to: string, template: EmailTemplate): EmailMessage {
  const { subject, lines, link } = content(template);
  const text = [...lines, ...(link ? ['', `${link.label}: ${link.href}`] : [])].join('\n');
  const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`);
  if (link)
    paragraphs.push(`<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`);
  const html = `<!doctype html><html><body>${paragraphs.join('')}</body></html>`;
  return { to, subject, text, html };
}

export const smsCodeText = (code: string, purpose: 'verify-mobile' | 'login-mfa'): string =>
  purpose === 'login-mfa'
    ? `${code} is your meterledger sign-in code. It expires in 10 minutes. Never share it.`
    : `${code} is your meterledger code to confirm this mobile number. It expires in 10 minutes.`;
