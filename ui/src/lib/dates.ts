// Dates and times in the reader's own locale (the browser's), from the ISO
// strings the API returns. A missing or malformed value shows as a dash rather
// than "Invalid Date".

const DASH = '—';

function parse(value: string | null | undefined): Date | null {
  if (!value) return null;
  // A bare YYYY-MM-DD is a calendar date: read it at noon UTC so no time zone moves it a day.
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value);
  return Number.isNaN(at.getTime()) ? null : at;
}

export function formatDate(value: string | null | undefined, locale?: string): string {
  const at = parse(value);
  return at ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(at) : DASH;
}

export function formatDateTime(value: string | null | undefined, locale?: string): string {
  const at = parse(value);
  return at
    ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at)
    : DASH;
}

/** Whole days from `from` to `to` (both ISO), for "overdue by N days". */
export function daysBetween(from: string, to: string): number {
  const a = parse(from);
  const b = parse(to);
  if (!a || !b) return 0;
  return Math.floor((b.getTime() - a.getTime()) / 86_400_000);
}
