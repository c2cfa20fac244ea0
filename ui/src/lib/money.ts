// Money and energy for display. Amounts arrive as integer paise and energy as
// integer Wh; they are split into whole and fractional parts as integers, so
// no float ever carries money. Rupees use Indian digit grouping (12,34,567).

const rupeeFormat = (locale: string) =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'INR',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });

/** 123456789 → "₹12,34,567.89"; -50 → "-₹0.50". Throws on a non-integer (a bug upstream). */
export function formatPaise(paise: number, locale = 'en-IN'): string {
  if (!Number.isSafeInteger(paise)) throw new RangeError(`not an integer of paise: ${paise}`);
  const negative = paise < 0;
  const abs = BigInt(Math.abs(paise));
  const fraction = String(abs % 100n).padStart(2, '0');
  // Intl formats the BigInt rupees exactly; only the fraction digits are ours.
  const text = rupeeFormat(locale)
    .formatToParts(abs / 100n)
    .map((part) => (part.type === 'fraction' ? fraction : part.value))
    .join('');
  return negative ? `-${text}` : text;
}

/** Integer Wh → "1,234.5 kWh" (grouped the Indian way, trailing zeros dropped). */
export function formatEnergy(wh: number, locale = 'en-IN'): string {
  if (!Number.isSafeInteger(wh)) throw new RangeError(`not an integer of Wh: ${wh}`);
  const negative = wh < 0;
  const abs = BigInt(Math.abs(wh));
  const whole = new Intl.NumberFormat(locale).format(abs / 1000n);
  const rest = String(abs % 1000n)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${rest ? `.${rest}` : ''} kWh`;
}

/**
 * A rupee amount typed by a person ("1,250.5", "₹ 99") → integer paise, or
 * null when it is not a non-negative amount with at most two decimals.
 */
export function parseRupees(input: string): number | null {
  const cleaned = input.replace(/[₹,\s]/g, '');
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!match) return null;
  const paise = BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  return Number(paise);
}

/** "12.5" kWh typed by a person → integer Wh, or null; up to three decimals. */
export function parseKwh(input: string): number | null {
  const match = /^(\d{1,9})(?:\.(\d{1,3}))?$/.exec(input.replace(/[,\s]/g, ''));
  if (!match) return null;
  return Number(BigInt(match[1]!) * 1000n + BigInt((match[2] ?? '').padEnd(3, '0')));
}
