import { describe, expect, it } from 'vitest';
import { formatEnergy, formatPaise, parseKwh, parseRupees } from '../../ui/src/lib/money.ts';

describe('formatPaise', () => {
  it('groups rupees the Indian way (lakh, crore) and keeps exact paise', () => {
    expect(formatPaise(123456789)).toBe('₹12,34,567.89');
    expect(formatPaise(10000000000)).toBe('₹10,00,00,000.00');
    expect(formatPaise(5)).toBe('₹0.05');
    expect(formatPaise(0)).toBe('₹0.00');
  });

  it('is exact where floats are not: the largest safe integer of paise', () => {
    expect(formatPaise(Number.MAX_SAFE_INTEGER)).toBe('₹9,00,71,99,25,47,409.91');
  });

  it('puts the minus before the symbol, including for amounts under a rupee', () => {
    expect(formatPaise(-50)).toBe('-₹0.50');
    expect(formatPaise(-123456)).toBe('-₹1,234.56');
  });

  it('refuses a non-integer, which would mean a float crept into money upstream', () => {
    expect(() => formatPaise(12.5)).toThrow(RangeError);
    expect(() => formatPaise(Number.NaN)).toThrow(RangeError);
  });
});

describe('formatEnergy', () => {
  it('shows Wh as kWh with Indian grouping and no trailing zeros', () => {
    expect(formatEnergy(100500)).toBe('100.5 kWh');
    expect(formatEnergy(123456789)).toBe('1,23,456.789 kWh');
    expect(formatEnergy(0)).toBe('0 kWh');
  });
});

describe('parseRupees', () => {
  it('reads what people type into integer paise', () => {
    expect(parseRupees('1,250.5')).toBe(125050);
    expect(parseRupees('₹ 99')).toBe(9900);
    expect(parseRupees('0.07')).toBe(7);
  });

  it('rejects negatives, three decimals, words and blanks', () => {
    for (const bad of ['-5', '1.234', 'ten', '', '.5', '1e3']) expect(parseRupees(bad)).toBeNull();
  });
});

describe('parseKwh', () => {
  it('reads kWh with up to three decimals into integer Wh', () => {
    expect(parseKwh('87.5')).toBe(87500);
    expect(parseKwh('1,000')).toBe(1000000);
    expect(parseKwh('0.001')).toBe(1);
  });

  it('rejects more precision than a Wh and non-numbers', () => {
    for (const bad of ['0.0001', 'abc', '', '-1']) expect(parseKwh(bad)).toBeNull();
  });
});
