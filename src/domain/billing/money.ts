// Integer money arithmetic for bills. Products such as Wh × paise/kWh can pass
// 2^53 long before a bill is absurd, so every product is taken in BigInt and
// only the rounded result comes back as a (checked) safe integer.

/** round(numerator / denominator) half-up, for numerator >= 0 and denominator > 0. */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

/** The amount in paise, or null when it does not fit a safe integer. */
export function toSafeInteger(value: bigint): number | null {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : null;
}

/** ratePaisePerKwh × Wh / 1000, rounded half-up to the paisa. */
export const energyChargePaise = (wh: number, ratePaisePerKwh: number): bigint =>
  divideHalfUp(BigInt(wh) * BigInt(ratePaisePerKwh), 1000n);

/** basis points of a base amount (500 bp = 5%), rounded half-up to the paisa. */
export const percentagePaise = (basePaise: bigint, basisPoints: number): bigint =>
  divideHalfUp(basePaise * BigInt(basisPoints), 10_000n);

/** Wh as a kWh figure for labels, without going through floating point: 100500 → "100.5". */
export function formatKwh(wh: number): string {
  const whole = BigInt(wh) / 1000n;
  const rest = Number(BigInt(wh) % 1000n);
  return rest === 0 ? `${whole}` : `${whole}.${String(rest).padStart(3, '0').replace(/0+$/, '')}`;
}

/** Paise as rupees for labels: 1250 → "12.50". */
export function formatRupees(paise: number): string {
  const sign = paise < 0 ? '-' : '';
  const abs = BigInt(Math.abs(paise));
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Basis points as a percentage for labels: 500 → "5", 250 → "2.5". */
export function formatPercent(basisPoints: number): string {
  const whole = BigInt(basisPoints) / 100n;
  const rest = Number(BigInt(basisPoints) % 100n);
  return rest === 0 ? `${whole}` : `${whole}.${String(rest).padStart(2, '0').replace(/0+$/, '')}`;
}
