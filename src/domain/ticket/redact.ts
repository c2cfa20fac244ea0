// Masks Aadhaar numbers typed into free text before it is stored. Ticket text
// lands in an append-only log that crypto-shredding cannot reach, so an
// identity number must never get there in clear. Only 12-digit groups that
// are valid Aadhaar numbers (first digit 2-9, Verhoeff check digit) are
// masked, which leaves most bill numbers and UPI references readable; the
// last four digits stay, as on UIDAI's own masked Aadhaar.

import { verhoeffValid } from '../shared/verhoeff.ts';

// 12 digits, optionally grouped 4-4-4 by single spaces or hyphens, not part of a longer number.
const AADHAAR_LIKE = /(?<!\d)([2-9]\d{3})([ -]?)(\d{4})\2(\d{4})(?!\d)/g;

export function maskAadhaarNumbers(text: string): string {
  return text.replace(AADHAAR_LIKE, (match, a: string, _sep: string, b: string, c: string) =>
    verhoeffValid(`${a}${b}${c}`) ? `XXXX XXXX ${c}` : match,
  );
}
