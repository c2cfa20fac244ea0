// The bill runs still open when a gateway starts: started and not completed,
// found by paging the log up to a position. A deployment with a long log
// plugs in a read-model query instead (BillRunFanOutOptions.openRuns); this
// scan needs nothing but the store port.

import { billRunStream } from '../../domain/billrun/index.ts';
import type { EventStore } from '../../eventstore/port.ts';

const RUN_PREFIX = billRunStream('');
const PAGE = 5000;

export async function findOpenRuns(store: EventStore, upTo: string | null): Promise<string[]> {
  const open = new Set<string>();
  if (upTo === null) return [];
  let after: string | undefined;
  for (;;) {
    const page = await store.readAll({ ...(after === undefined ? {} : { after }), limit: PAGE });
    for (const e of page) {
      if (store.comparePositions(e.position, upTo) > 0) return [...open];
      if (!e.stream.startsWith(RUN_PREFIX)) continue;
      const runId = e.stream.slice(RUN_PREFIX.length);
      if (e.type === 'BillRunStarted') open.add(runId);
      else if (e.type === 'BillRunCompleted') open.delete(runId);
    }
    if (page.length < PAGE) return [...open];
    after = page[page.length - 1]!.position;
  }
}
