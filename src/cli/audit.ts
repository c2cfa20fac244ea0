// `ledger audit [--json]`: replays every stream through the audit checks with
// a progress bar on stderr, prints one line per check (✓/✗, counts, and each
// failure's stream, revision and reason) or one JSON object, and exits 1 on
// any failure. It opens no personal data and needs no secret key.

import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { formatAuditReport, runAudit, type AuditReport } from '../audit/run-audit.ts';
import type { OpenedEventStore } from '../eventstore/open.ts';
import { action } from './run.ts';
import { withEventStore } from './store.ts';

export interface AuditCliOptions {
  json: boolean;
  /** Trusted ledger public keys (hex); a checkpoint signed by another fails. */
  ledgerKey?: string[];
  progress?: boolean;
}

/** Events in the log when a SQL store can count them cheaply; null otherwise. */
async function countEvents(opened: OpenedEventStore): Promise<number | null> {
  if (opened.store.kind === 'kurrentdb') return null;
  const { rows } = await opened.db.query<{ n: string }>('SELECT count(*) AS n FROM events');
  return Number(rows[0]?.n ?? 0);
}

/** Runs the audit on an opened store and writes the report; resolves to the exit code. */
export async function auditToOutput(
  opened: OpenedEventStore,
  options: AuditCliOptions,
  out: { write(text: string): unknown } = process.stdout,
): Promise<{ code: number; report: AuditReport }> {
  const bar = options.progress
    ? new SingleBar(
        {
          stream: process.stderr,
          format: 'replaying {bar} {value}/{total} events',
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : null;
  const total = bar ? await countEvents(opened) : null;
  bar?.start(total ?? 0, 0);
  let report: AuditReport;
  try {
    report = await runAudit(
      { store: opened.store, db: opened.db, trustedLedgerKeys: options.ledgerKey },
      {
        onProgress: (replayed) => {
          if (total === null || replayed > total) bar?.setTotal(replayed);
          bar?.update(replayed);
        },
      },
    );
  } finally {
    bar?.stop();
  }
  out.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatAuditReport(report));
  return { code: report.ok ? 0 : 1, report };
}

export function auditCommand(): Command {
  return new Command('audit')
    .description(
      'replay every stream and verify hash chains, checkpoints, reading signatures, bills and balances; exit code 1 on any failure',
    )
    .option('--json', 'print one JSON object instead of the summary', false)
    .option('--ledger-key <hex...>', 'trusted ledger public key(s) checkpoints must be signed by')
    .action(
      action(async (config, options: AuditCliOptions) =>
        withEventStore(config, async (opened) => {
          const progress = process.stderr.isTTY === true;
          return (await auditToOutput(opened, { ...options, progress })).code;
        }),
      ),
    );
}
