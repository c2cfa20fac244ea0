// Event ids of a run's batch facts (meters asked, answered, billed, skipped,
// and the run's completion), the same on every gateway and in every close:
// uuid v5 of the run, the event type and the event's meter entries, sorted
// by meter (the time is left out). Two writers that decide the same entries
// at the same revision write the same ids, so the store takes the second
// append for a retry of the first. Writers that differ in some meter or
// entry (two gateways each stored an answer of a meter connected to both)
// write other ids: the second conflicts, reads what the run gained and
// decides again, and the decider leaves out the meters now recorded, so no
// writer takes another's entries for its own. A meter's fact of one type is
// recorded once per run, so no later event of the run can need the same id.

import type { BillRunEvent } from '../domain/billrun/index.ts';
import { nameUuid } from './name-uuid.ts';

const RUN_FACT_NAMESPACE = '2d4c8a61-3f7e-4b19-9c55-e0a6b7d41f83';

type Entry = string | { meterId: string };

/** The meter entries of a batch fact; null for an event that is not one. */
function factEntries(event: BillRunEvent): Entry[] | null {
  switch (event.type) {
    case 'MeterReadsRequested':
      return event.data.meterIds;
    case 'MetersAnswered':
      return event.data.answers;
    case 'MetersBilled':
      return event.data.bills;
    case 'MetersSkipped':
      return event.data.skipped;
    case 'BillRunCompleted':
      // A run completes once: its id needs nothing but the run.
      return [];
    default:
      return null;
  }
}

const meterOf = (entry: Entry): string => (typeof entry === 'string' ? entry : entry.meterId);

/** The id of a batch fact or completion on run `runId`, or null for other events. */
export function runFactEventId(runId: string, event: BillRunEvent): string | null {
  const entries = factEntries(event);
  if (entries === null) return null;
  const sorted = [...entries].sort((a, b) =>
    meterOf(a) < meterOf(b) ? -1 : meterOf(a) > meterOf(b) ? 1 : 0,
  );
  return nameUuid(`${runId}/${event.type}/${JSON.stringify(sorted)}`, RUN_FACT_NAMESPACE);
}
