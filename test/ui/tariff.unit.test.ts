import { describe, expect, it } from 'vitest';
import {
  draftToTariff,
  parsePercent,
  previewBill,
  starterDraft,
  tariffToDraft,
  type TariffDraft,
} from '../../ui/src/lib/tariff.ts';

const ISSUED = '2026-04-01T00:00:00Z';

function tariffOf(draft: TariffDraft) {
  const result = draftToTariff(draft);
  if (!result.ok) throw new Error(`expected a valid draft: ${result.message}`);
  return result.tariff;
}

describe('draftToTariff', () => {
  it('turns typed text into integer paise, Wh and basis points with contiguous slabs', () => {
    const tariff = tariffOf(draft());
    expect(tariff.slabs).toEqual([
      { fromWh: 0, toWh: 100000, ratePaisePerKwh: 300 },
      { fromWh: 100000, toWh: 300000, ratePaisePerKwh: 500 },
      { fromWh: 300000, toWh: null, ratePaisePerKwh: 750 },
    ]);
    expect(tariff.fixedChargePaise).toBe(5000);
    expect(tariff.taxes).toEqual([{ name: 'Electricity duty', basisPoints: 500, base: 'energy' }]);
    expect(tariff.dueDays).toBe(15);
  });

  it('reports the domain rule a slab breaks: an upper bound not above the one before', () => {
    const d = draft();
    d.slabs[1]!.upToKwh = '50';
    expect(draftToTariff(d)).toMatchObject({ ok: false, field: 'SLAB_EMPTY' });
  });

  it('needs an open-ended top slab, and only at the top', () => {
    const noTop = draft();
    noTop.slabs[2]!.upToKwh = '500';
    expect(draftToTariff(noTop)).toMatchObject({ ok: false, field: 'NO_OPEN_TOP_SLAB' });
    const openMiddle = draft();
    openMiddle.slabs[1]!.upToKwh = '';
    expect(draftToTariff(openMiddle)).toMatchObject({ ok: false, field: 'OPEN_SLAB_NOT_LAST' });
  });

  it('names the field for text that is not a number', () => {
    const d = draft();
    d.slabs[0]!.rate = 'three';
    expect(draftToTariff(d)).toMatchObject({ ok: false, field: 'slabs.0.rate' });
    const fee = draft();
    fee.lateFee = '-10';
    expect(draftToTariff(fee)).toMatchObject({ ok: false, field: 'lateFee' });
    const days = draft();
    days.dueDays = '120';
    expect(draftToTariff(days)).toMatchObject({ ok: false, field: 'INVALID_DUE_DAYS' });
  });

  it('refuses a tax on an unknown base and duplicate charge names', () => {
    const unknown = draft();
    unknown.taxes[0]!.base = 'meter rent';
    expect(draftToTariff(unknown)).toMatchObject({ ok: false, field: 'UNKNOWN_TAX_BASE' });
    const dup = draft();
    dup.miscCharges.push({ name: 'Electricity duty', amount: '10' });
    expect(draftToTariff(dup)).toMatchObject({ ok: false, field: 'DUPLICATE_CHARGE_NAME' });
  });

  it('round-trips through tariffToDraft to the same terms, as the next version', () => {
    const tariff = tariffOf({ ...draft(), miscCharges: [{ name: 'Meter rent', amount: '25.50' }] });
    const again = tariffToDraft(tariff);
    expect(again.version).toBe(2);
    expect({ ...tariffOf(again), version: 1 }).toEqual(tariff);
  });
});

describe('previewBill', () => {
  it('prices 250 kWh telescopically: 100 at ₹3, 150 at ₹5, fixed ₹50, 5% duty on energy', () => {
    const bill = previewBill(tariffOf(draft()), 250000, ISSUED);
    if ('code' in bill) throw bill;
    // energy 300 + 750 = ₹1050; duty ₹52.50; fixed ₹50.
    expect(bill.lines.map((l) => [l.code, l.amountPaise])).toEqual([
      ['ENERGY_1', 30000],
      ['ENERGY_2', 75000],
      ['FIXED', 5000],
      ['TAX:Electricity duty', 5250],
    ]);
    expect(bill.totalPaise).toBe(115250);
    expect(bill.dueDate).toBe('2026-04-16');
  });

  it('prices the whole consumption at the reached slab in volume mode', () => {
    const bill = previewBill(tariffOf({ ...draft(), mode: 'volume' }), 250000, ISSUED);
    if ('code' in bill) throw bill;
    expect(bill.lines[0]).toMatchObject({ code: 'ENERGY', amountPaise: 125000 });
  });

  it('bills only fixed charges for zero units', () => {
    const bill = previewBill(tariffOf(draft()), 0, ISSUED);
    if ('code' in bill) throw bill;
    expect(bill.totalPaise).toBe(5000);
  });
});

describe('parsePercent', () => {
  it('reads percent with up to two decimals as basis points', () => {
    expect(parsePercent('5')).toBe(500);
    expect(parsePercent('2.5')).toBe(250);
    expect(parsePercent('18.75')).toBe(1875);
    for (const bad of ['', 'x', '1.234', '-1']) expect(parsePercent(bad)).toBeNull();
  });
});

const draft = (): TariffDraft => starterDraft('2026-04-01');
