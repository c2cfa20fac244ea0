// `ledger audit` without the terminal: replays the whole log once, in log
// order, through every check, and returns one report. Needs no secret:
// personal data stays sealed, no check opens it.

import type { RecordedEvent } from '../eventstore/port.ts';
import type { AuditCheck, AuditContext, AuditFailure, CheckRun } from './check.ts';
import { AUDIT_CHECKS } from './checks/index.ts';

export interface CheckReport {
  id: string;
  title: string;
  ok: boolean;
  checked: number;
  failures: AuditFailure[];
  notes: string[];
}

export interface AuditReport {
  ok: boolean;
  /** Store adapter audited. */
  store: string;
  eventsReplayed: number;
  checks: CheckReport[];
}

export interface RunAuditOptions {
  checks?: readonly AuditCheck[];
  /** Called after each page with the number of events replayed so far. */
  onProgress?: (replayed: number) => void;
  pageSize?: number;
}

export async function runAudit(
  context: AuditContext,
  options: RunAuditOptions = {},
): Promise<AuditReport> {
  const checks = options.checks ?? AUDIT_CHECKS;
  const runs = checks.map((check) => ({ check, run: check.start(context) }));
  const crashed = new Map<string, AuditFailure>();
  const observe = (check: AuditCheck, run: CheckRun, event: RecordedEvent): void => {
    if (crashed.has(check.id)) return;
    try {
      run.observe(event);
    } catch (error) {
      // A check that throws is a failed check, reported where it stopped, not a crashed audit.
      crashed.set(check.id, {
        stream: event.stream,
        revision: event.revision,
        reason: `check stopped: ${(error as Error).message}`,
      });
    }
  };

  const limit = options.pageSize ?? 1000;
  let replayed = 0;
  let after: string | undefined;
  for (;;) {
    const events = await context.store.readAll(after === undefined ? { limit } : { after, limit });
    for (const event of events) for (const { check, run } of runs) observe(check, run, event);
    replayed += events.length;
    options.onProgress?.(replayed);
    if (events.length < limit) break;
    after = events[events.length - 1]!.position;
  }

  const reports: CheckReport[] = [];
  for (const { check, run } of runs) {
    const result = await run.finish();
    const failures = [...result.failures];
    const stopped = crashed.get(check.id);
    if (stopped) failures.push(stopped);
    const { id, title } = check;
    const ok = failures.length === 0;
    reports.push({ id, title, ok, checked: result.checked, failures, notes: result.notes });
  }
  return {
    ok: reports.every((r) => r.ok),
    store: context.store.kind,
    eventsReplayed: replayed,
    checks: reports,
  };
}

/** The readable summary: one line per check, then each failure indented beneath it. */
export function formatAuditReport(report: AuditReport, maxFailuresShown = 20): string {
  const lines = [`Audit of ${report.eventsReplayed} events (${report.store})`];
  for (const check of report.checks) {
    const mark = check.ok ? '✓' : '✗';
    const failed = check.ok ? '' : `, ${check.failures.length} failed`;
    const notes = check.notes.length ? ` (${check.notes.join('; ')})` : '';
    lines.push(`${mark} ${check.title}: ${check.checked} checked${failed}${notes}`);
    // A negative revision names no stream revision (a read-model table's row).
    for (const f of check.failures.slice(0, maxFailuresShown))
      lines.push(
        `    ${f.stream}${f.revision < 0 ? '' : ` @ revision ${f.revision}`}: ${f.reason}`,
      );
    if (check.failures.length > maxFailuresShown)
      lines.push(`    … and ${check.failures.length - maxFailuresShown} more (see --json)`);
  }
  lines.push(report.ok ? 'AUDIT PASSED' : 'AUDIT FAILED');
  return `${lines.join('\n')}\n`;
}
