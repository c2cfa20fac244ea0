// Where the demo's ids and dates come from: account ids derived from the
// demo namespace, and the calendar of the data set in India Standard Time
// (history from the start of the previous month, tariffs in force from the
// start of that financial year, last month as the first bill run's period).

import { IST_OFFSET_MS } from '../../devices/load-curve.ts';
import { DEMO_PEOPLE } from './dataset.ts';
import { demoId, type DemoState } from './files.ts';

/** Account id of each demo person, by their key in DEMO_PEOPLE. */
export const demoAccounts = (state: DemoState): Map<string, string> =>
  new Map(DEMO_PEOPLE.map((p) => [p.key, demoId(state, `account/${p.key}`)]));

export interface DemoTimeline {
  /** Midnight IST on the first of the previous month (epoch ms). */
  historyFrom: number;
  /** The previous month, YYYY-MM: it has readings from its first day. */
  lastPeriod: string;
  /** 1 April of the financial year the previous month belongs to (YYYY-MM-DD). */
  tariffFrom: string;
}

export function demoTimeline(now: Date): DemoTimeline {
  const local = new Date(now.getTime() + IST_OFFSET_MS);
  // Date.UTC normalises month -1 to December of the year before.
  const first = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 1));
  const year = first.getUTCFullYear();
  const month = first.getUTCMonth() + 1;
  const fyStart = month >= 4 ? year : year - 1;
  return {
    historyFrom: first.getTime() - IST_OFFSET_MS,
    lastPeriod: `${year}-${String(month).padStart(2, '0')}`,
    tariffFrom: `${fyStart}-04-01`,
  };
}
