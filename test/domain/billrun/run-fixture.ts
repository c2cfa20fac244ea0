// A bill run of n meters (`m0…`, on properties `p0…`) as its start decides
// it, with the clock, deadline and metadata the bill-run unit tests share.

import { billRunDecider, type BillRunEvent } from '../../../src/domain/billrun/index.ts';

export const now = '2026-02-01T00:00:00.000Z';
export const deadline = '2026-02-02T06:00:00.000Z';
export const meta = { now, commandId: 'c', actor: 'system:test' };

export const meters = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ meterId: `m${i}`, propertyId: `p${i}` }));

/** The events that start run `r` over `meters(n)`. */
export function started(n: number): BillRunEvent[] {
  const decided = billRunDecider.decide(
    {
      type: 'StartBillRun',
      data: { runId: 'r', period: '2026-01', deadline, meters: meters(n) },
      metadata: meta,
    },
    billRunDecider.initialState,
  );
  if (decided instanceof Error) throw decided;
  return decided;
}
