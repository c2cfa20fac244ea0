// Billing periods are calendar months written YYYY-MM.

/** The month before `now`'s (UTC), the usual period to bill. */
export function previousMonth(now: Date): string {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth(); // 0-based, so this is already "last month" as 1-based
  return month === 0 ? `${year - 1}-12` : `${year}-${String(month).padStart(2, '0')}`;
}

export const isPeriod = (value: string) => /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
