// Daily load profiles for simulated meters and the register they drive.
// Residential: a night base load, a morning peak and a larger evening peak;
// commercial: flat business hours on weekdays, a low base otherwise. Power is
// interpolated between hourly points (local time = UTC + offset); the register
// integrates it and only ever moves forward, in whole Wh.

export type LoadProfile = 'residential' | 'commercial';

// Average watts at each hour 00..23, shaped after typical Indian urban loads.
const RESIDENTIAL = [
  220, 200, 190, 190, 200, 260, 520, 900, 1000, 760, 560, 500, 520, 540, 520, 500, 560, 820, 1400,
  1800, 1900, 1600, 1000, 480,
];
const COMMERCIAL_WEEKDAY = [
  600, 600, 600, 600, 600, 700, 1200, 2600, 4800, 5600, 5800, 5800, 5400, 5600, 5800, 5800, 5600,
  5000, 3600, 2000, 1200, 900, 700, 600,
];
const COMMERCIAL_WEEKEND = [
  600, 600, 600, 600, 600, 600, 650, 700, 900, 1100, 1200, 1200, 1200, 1200, 1200, 1100, 1000, 900,
  800, 700, 650, 600, 600, 600,
];

const HOUR_MS = 3_600_000;
/** India Standard Time, the default: profiles follow the meter's local day. */
export const IST_OFFSET_MS = 5.5 * HOUR_MS;

const hourly = (profile: LoadProfile, localDay: number): number[] => {
  switch (profile) {
    case 'residential':
      return RESIDENTIAL;
    case 'commercial':
      // Day 0 of the epoch was a Thursday: days 2 and 3 mod 7 are Saturday and Sunday.
      return localDay % 7 === 2 || localDay % 7 === 3 ? COMMERCIAL_WEEKEND : COMMERCIAL_WEEKDAY;
    default: {
      const _exhaustive: never = profile;
      return _exhaustive;
    }
  }
};

/** Average power in watts at `ms`, linearly between hourly points, times `scale`. */
export function loadWatts(
  profile: LoadProfile,
  ms: number,
  scale = 1,
  offsetMs = IST_OFFSET_MS,
): number {
  const local = ms + offsetMs;
  const day = Math.floor(local / (24 * HOUR_MS));
  const hours = (local - day * 24 * HOUR_MS) / HOUR_MS;
  const h = Math.floor(hours);
  const points = hourly(profile, day);
  const next = h === 23 ? hourly(profile, day + 1)[0]! : points[h + 1]!;
  return (points[h]! + (next - points[h]!) * (hours - h)) * scale;
}

/** Integration step: fine enough that the hourly ramps are followed closely. */
const STEP_MS = 60_000;

/** A meter's cumulative register, advanced by integrating its load curve. */
export class RegisterSimulator {
  private whExact: number;

  constructor(
    private readonly profile: LoadProfile,
    startWh: number,
    private lastMs: number,
    /** Per-meter size factor, so a fleet is not a thousand identical houses. */
    private readonly scale = 1,
  ) {
    this.whExact = startWh;
  }

  /** The register in whole Wh at `ms`; never below an earlier answer. */
  at(ms: number): number {
    while (this.lastMs < ms) {
      const step = Math.min(STEP_MS, ms - this.lastMs);
      const mid = this.lastMs + step / 2;
      this.whExact += (loadWatts(this.profile, mid, this.scale) * step) / HOUR_MS;
      this.lastMs += step;
    }
    return Math.floor(this.whExact);
  }
}
