// The "read models rebuilt equal live" audit check on a real ledger in
// Postgres with the live projection runners going: it passes as the runners
// built the read models (also while events keep arriving), finds a row edited
// or deleted in `read.*` and names the read model, table and key, and says it
// was skipped when no read-model database is given. (On the embedded PGlite
// store: test/audit/run-audit.int.test.ts.)

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionsRebuildCheck } from '../../src/audit/checks/projections-rebuild.ts';
import { formatAuditReport, runAudit } from '../../src/audit/run-audit.ts';
import { allProjections, startProjections } from '../../src/projections/index.ts';
import type { RunningProjections } from '../../src/projections/index.ts';
import { createAuditLedger, type AuditLedger } from './ledger-fixture.ts';

let ledger: AuditLedger;
let live: RunningProjections;
const tableCount = allProjections.reduce((n, p) => n + p.tables.length, 0);

beforeAll(async () => {
  ledger = await createAuditLedger();
  live = await startProjections({ store: ledger.store, readDb: ledger.db });
  const head = await ledger.store.headPosition();
  expect(await live.waitFor(head!, { timeoutMs: 20_000 })).toBe(true);
}, 60_000);
afterAll(async () => {
  await live?.stop();
  await ledger?.close();
});

const audit = () =>
  runAudit({ store: ledger.store, db: ledger.db }, { checks: [projectionsRebuildCheck] });

describe('audit check: projections rebuilt equal live', () => {
  it('passes on the read models the live runners built, comparing every table', async () => {
    const report = await audit();
    const check = report.checks[0]!;
    expect(check).toMatchObject({ id: 'projections-rebuild', ok: true, failures: [], notes: [] });
    expect(check.checked).toBe(tableCount);
    const { rows } = await ledger.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'audit_rebuild_%'`,
    );
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('passes while events keep arriving and the live runners keep moving', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (; writing && written < 400; written++) {
        await ledger.store.append(`thing-${randomUUID()}`, [
          {
            id: randomUUID(),
            type: 'ThingHappened',
            data: { written },
            metadata: { actor: 'fuzz' },
          },
        ]);
      }
    })();
    try {
      const writtenBefore = written;
      const report = await audit();
      // The log (and the activity read model) moved while the check ran.
      expect(written).toBeGreaterThan(writtenBefore);
      expect(report.checks[0]).toMatchObject({ ok: true, failures: [], notes: [] });
      expect(report.checks[0]!.checked).toBe(tableCount);
    } finally {
      writing = false;
      await writer;
    }
  }, 30_000);

  it('finds a bill amount edited in read.bills, naming the read model, table and key', async () => {
    const billId = ledger.bill.billId;
    await ledger.db.query(
      'UPDATE read.bills SET total_paise = total_paise + 100 WHERE bill_id = $1',
      [billId],
    );
    const report = await audit();
    const check = report.checks[0]!;
    expect(check.ok).toBe(false);
    expect(check.failures).toEqual([
      {
        stream: 'read.bills',
        revision: -1,
        reason: expect.stringMatching(
          new RegExp(`read model bills .*first key \\["${billId}"\\]: columns total_paise differ`),
        ),
      },
    ]);
    expect(formatAuditReport(report)).toContain(`    read.bills: read model bills`);
  });

  it('finds a deleted read-model row', async () => {
    await ledger.db.query('DELETE FROM read.receivable_balances WHERE property_id = $1', [
      ledger.propertyId,
    ]);
    const failures = (await audit()).checks[0]!.failures;
    expect(failures).toContainEqual({
      stream: 'read.receivable_balances',
      revision: -1,
      reason: expect.stringContaining(`["${ledger.propertyId}"]: missing from the live table`),
    });
  });

  it('is skipped with a note when no read-model database is given', async () => {
    const report = await runAudit({ store: ledger.store }, { checks: [projectionsRebuildCheck] });
    expect(report.checks[0]).toMatchObject({
      ok: true,
      checked: 0,
      notes: ['skipped: no read-model database given'],
    });
  });
});
