// Load curves: realistic daily shapes (evening peak at home, business hours
// at a shop, quiet weekends) and a register that integrates them in whole Wh
// and never goes backwards.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IST_OFFSET_MS, RegisterSimulator, loadWatts } from '../../devices/load-curve.ts';

const HOUR = 3_600_000;
/** Midnight IST on Monday 2026-11-23, as UTC epoch ms. */
const MONDAY = Date.UTC(2026, 10, 23) - IST_OFFSET_MS;
const at = (day: number, hour: number) => MONDAY + day * 24 * HOUR + hour * HOUR;

describe('loadWatts', () => {
  it('puts the residential peak in the evening and the trough at night', () => {
    expect(loadWatts('residential', at(0, 20))).toBeGreaterThan(loadWatts('residential', at(0, 8)));
    expect(loadWatts('residential', at(0, 8))).toBeGreaterThan(loadWatts('residential', at(0, 3)));
  });

  it('runs commercial loads in weekday business hours and idles at weekends', () => {
    expect(loadWatts('commercial', at(0, 11))).toBeGreaterThan(
      4 * loadWatts('commercial', at(0, 2)),
    );
    expect(loadWatts('commercial', at(5, 11))).toBeLessThan(loadWatts('commercial', at(0, 11)) / 3);
    expect(loadWatts('commercial', at(6, 11))).toBeLessThan(loadWatts('commercial', at(0, 11)) / 3);
  });

  it('interpolates between hours and scales', () => {
    const a = loadWatts('residential', at(0, 18));
    const b = loadWatts('residential', at(0, 19));
    expect(loadWatts('residential', at(0, 18.5))).toBeCloseTo((a + b) / 2, 6);
    expect(loadWatts('residential', at(0, 18), 2)).toBeCloseTo(2 * a, 6);
  });
});

describe('RegisterSimulator', () => {
  it('adds a plausible day of energy for a household (Wh, integers)', () => {
    const sim = new RegisterSimulator('residential', 1_000, at(0, 0));
    const day = sim.at(at(1, 0)) - 1_000;
    expect(Number.isInteger(day)).toBe(true);
    // About 16 kWh: between 10 and 25 kWh a day for an urban Indian household.
    expect(day).toBeGreaterThan(10_000);
    expect(day).toBeLessThan(25_000);
  });

  it('never goes backwards, whatever times it is asked at', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 7 * 24 * HOUR }), { maxLength: 40 }),
        (offsets) => {
          const sim = new RegisterSimulator('commercial', 0, MONDAY, 1.3);
          let last = 0;
          for (const t of offsets) {
            const wh = sim.at(MONDAY + t);
            expect(wh).toBeGreaterThanOrEqual(last);
            last = wh;
          }
        },
      ),
    );
  });
});
