// Billing answered meters of a run and recording the outcomes on the run,
// chunk by chunk: what a close does with the answered meters it finds, and
// what a gateway does with the answers it has just recorded (pipelined
// billing, long before the close). Both use the close's sub-command ids
// (`closeBillingMetadata`), so a meter billed by a gateway and again by a
// close, or by two gateways, gets the same bill, charge and history entry
// once, and its outcome on the run once.

import type { IssuedBill } from '../domain/billing/index.ts';
import type { BillRunCommand, BillRunState, MeterBatchCommand } from '../domain/billrun/index.ts';
import type { CommandMetadata } from '../domain/shared/decider.ts';
import { billAnsweredMeters } from './bill-batch.ts';
import type { AnsweredMeter, PeriodTariffs } from './bill-meter.ts';
import { BILLING_ACTOR, sub, type BillingDeps } from './billing-shared.ts';
import { recordOnRun, type RunAt, type Refused } from './record-on-run.ts';

/** The command id of a gateway's close of a run: the same on every gateway. */
export const gatewayCloseCommandId = (runId: string): string => `billrun-close/${runId}`;

/** Metadata of the billing steps of a close (its sub-commands derive their ids from it). */
export const closeBillingMetadata = (closeMetadata: CommandMetadata): CommandMetadata =>
  sub(closeMetadata, 'close');

/** Metadata a gateway bills a run's answers with: the billing steps of the gateways' close. */
export const gatewayBillingMetadata = (runId: string, now: string): CommandMetadata =>
  closeBillingMetadata({ now, commandId: gatewayCloseCommandId(runId), actor: BILLING_ACTOR });

/** Meters in the order gateways bill them (a close billing others' answers goes the other way). */
export const byMeterId = (a: AnsweredMeter, b: AnsweredMeter): number =>
  a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0;

/** Of `chunk`, the meters `state` still shows answered (not billed or skipped by another writer). */
export const stillAnswered = (state: BillRunState, chunk: AnsweredMeter[]): AnsweredMeter[] =>
  state.status === 'none'
    ? []
    : chunk.filter((m) => state.meters[m.meterId]?.status === 'answered');

/** The run's answered meters not billed or skipped yet, as billing takes them. */
export function answeredMeters(state: BillRunState): AnsweredMeter[] {
  if (state.status === 'none') return [];
  const { runId, period } = state;
  const answered: AnsweredMeter[] = [];
  for (const [meterId, m] of Object.entries(state.meters)) {
    if (m.status !== 'answered') continue;
    const { propertyId, readingEventId, readingRevision } = m;
    answered.push({
      ...{ runId, meterId, propertyId, period },
      readingEventId: readingEventId!,
      readingRevision: readingRevision!,
    });
  }
  return answered;
}

/** Where the outcomes are recorded: the run as the biller holds it, and what to do once recorded. */
export interface RunCursor {
  /**
   * The run the outcomes are decided on: moved forward in place as they are
   * recorded and as others' writes are found (record-on-run.ts `foldIn`).
   */
  run: RunAt;
  /** A chunk's outcomes are on the run: how many of them were bills and skips. */
  recorded?(chunk: { billed: number; skipped: number }): void;
  /** Commands to record with the next outcomes (e.g. a lease renewal that is due). */
  alongside?(): BillRunCommand[];
  /** The meters of a chunk still answered and not billed, as the chunk starts. */
  due?(chunk: AnsweredMeter[]): AnsweredMeter[] | Promise<AnsweredMeter[]>;
}

export interface BilledAndRecorded {
  /** Meters with a bill (issued here, or found issued by another writer). */
  billed: number;
  /** Meters that cannot be billed now, with the reason recorded on the run. */
  skipped: number;
  /** Outcomes the run refused to record (e.g. another writer skipped the meter meanwhile). */
  refused: Refused[];
  /**
   * Meters billed one by one: found billed by another writer meanwhile (a
   * close and a gateway billing the same chunk), skipped, or in conflict.
   */
  oneMeterPath: number;
}

/**
 * Bills `meters` (answered meters of run `runId`) and records each chunk's
 * outcomes on the run as soon as the chunk is billed.
 */
export async function billAndRecord(
  deps: BillingDeps,
  tariffs: PeriodTariffs,
  runId: string,
  meters: AnsweredMeter[],
  metadata: CommandMetadata,
  run: RunCursor,
  concurrency: number,
): Promise<BilledAndRecorded> {
  const refused: Refused[] = [];
  const due = run.due?.bind(run);
  const stats = { oneMeterPath: 0 };
  const results = await billAnsweredMeters(deps, tariffs, meters, metadata, {
    concurrency,
    stats,
    ...(due ? { due } : {}),
    onChunk: async (chunk, bills) => {
      const commands = [...(run.alongside?.() ?? []), ...chunkOutcomes(chunk, bills, metadata)];
      const recorded = await recordOnRun(deps.store, runId, run.run, commands, { strict: false });
      run.recorded?.(countsOf(bills));
      refused.push(...recorded.refused);
    },
  });
  return { ...countsOf(results), refused, ...stats };
}

function countsOf(results: (IssuedBill | string)[]): { billed: number; skipped: number } {
  const skipped = results.filter((r) => typeof r === 'string').length;
  return { billed: results.length - skipped, skipped };
}

/** A chunk's outcomes for the run: one command for its bills, one for its skips. */
function chunkOutcomes(
  chunk: { meterId: string }[],
  results: (IssuedBill | string)[],
  metadata: CommandMetadata,
): MeterBatchCommand[] {
  const bills: { meterId: string; billId: string }[] = [];
  const skipped: { meterId: string; reason: string }[] = [];
  chunk.forEach(({ meterId }, i) => {
    const result = results[i]!;
    if (typeof result === 'string') skipped.push({ meterId, reason: result });
    else bills.push({ meterId, billId: result.billId });
  });
  // Named by the chunk's first meter: the same on every close that bills this chunk.
  const step = (kind: string) => sub(metadata, `${kind}/${chunk[0]?.meterId ?? ''}`);
  const commands: MeterBatchCommand[] = [];
  if (bills.length > 0)
    commands.push({ type: 'RecordMetersBilled', data: { bills }, metadata: step('billed') });
  if (skipped.length > 0)
    commands.push({ type: 'SkipMeters', data: { skipped }, metadata: step('skipped') });
  return commands;
}
