// bench:billrun's phase timings: when each phase of the runs happened, from
// the run events' own commit times.

import type { RecordedEvent } from '../../src/eventstore/port.ts';

/**
 * When each phase of the runs happened, from the events' own commit times
 * (seconds after the first startBillRun): the last ask, the first and last
 * answer recorded, the
 * first close claim (and every closer that claimed), the first and last
 * meter billed, and the last run completed.
 */
export function phaseMarks(t0Wall: number) {
  let firstAsked: number | null = null;
  let lastAsked: number | null = null;
  const billedAt: { at: number; meters: number }[] = [];
  let firstAnswer: number | null = null;
  let lastAnswer: number | null = null;
  let firstClaim: number | null = null;
  let firstBilled: number | null = null;
  let lastBilled: number | null = null;
  let completed: number | null = null;
  const closers: string[] = [];
  const max = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));
  const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
  const s = (at: number | null) => (at === null ? null : Number(((at - t0Wall) / 1000).toFixed(1)));
  return {
    see(e: RecordedEvent) {
      const at = e.recordedAt.getTime();
      // Runs record meters many to an event; older runs one event per meter.
      if (e.type === 'MeterReadsRequested' || e.type === 'MeterReadRequested') {
        firstAsked = min(firstAsked, at);
        lastAsked = max(lastAsked, at);
      }
      if (e.type === 'MetersAnswered' || e.type === 'MeterAnswered') {
        firstAnswer = min(firstAnswer, at);
        lastAnswer = max(lastAnswer, at);
      }
      if (e.type === 'BillRunCloseClaimed') {
        firstClaim = min(firstClaim, at);
        closers.push(String(e.data.closer));
      }
      if (e.type === 'MetersBilled' || e.type === 'MeterBilled') {
        firstBilled = min(firstBilled, at);
        lastBilled = max(lastBilled, at);
        const meters = e.type === 'MetersBilled' ? (e.data.bills as unknown[]).length : 1;
        billedAt.push({ at, meters });
      }
      if (e.type === 'BillRunCompleted') completed = max(completed, at);
    },
    /** `ended`: meters the close ended (billed, missed, skipped). */
    phases: (ended: number) => ({
      firstAskRecordedS: s(firstAsked),
      lastAskRecordedS: s(lastAsked),
      firstAnswerRecordedS: s(firstAnswer),
      lastAnswerRecordedS: s(lastAnswer),
      closeClaimedS: s(firstClaim),
      firstBilledS: s(firstBilled),
      lastBilledS: s(lastBilled),
      completedS: s(completed),
      /** Meters billed (pipelined, by the gateways) before any close was claimed. */
      billedBeforeCloseClaim: billedAt
        .filter(({ at }) => firstClaim === null || at < firstClaim)
        .reduce((n, b) => n + b.meters, 0),
      closeClaims: closers,
      closeMetersPerSecond:
        firstClaim === null || completed === null
          ? null
          : Math.round(ended / Math.max(0.001, (completed - firstClaim) / 1000)),
    }),
  };
}
