// The audit runner on an embedded PGlite store: checks plug in as modules, a
// check that throws is a failed check (not a crashed audit), and the summary
// shortens long failure lists; the read-model check with live runners on the
// same PGlite database as the store.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditCheck } from '../../src/audit/check.ts';
import { projectionsRebuildCheck } from '../../src/audit/checks/projections-rebuild.ts';
import { formatAuditReport, runAudit } from '../../src/audit/run-audit.ts';
import { allProjections, startProjections } from '../../src/projections/index.ts';
import { createPgliteTestStore, type TestStore } from '../support/store.ts';

let ts: TestStore;
beforeAll(async () => {
  ts = await createPgliteTestStore();
  for (let i = 0; i < 5; i++)
    await ts.store.append('thing-1', [{ id: randomUUID(), type: 'Thing', data: { i } }]);
});
afterAll(() => ts?.close());

const everyEventFails: AuditCheck = {
  id: 'every-event',
  title: 'every event fails',
  start: () => {
    const failures: { stream: string; revision: number; reason: string }[] = [];
    return {
      observe: (e) => void failures.push({ stream: e.stream, revision: e.revision, reason: 'no' }),
      finish: async () => ({ checked: failures.length, failures, notes: [] }),
    };
  },
};

const throwsAtThird: AuditCheck = {
  id: 'throws',
  title: 'throws on the third event',
  start: () => {
    let seen = 0;
    return {
      observe: (e) => {
        if (++seen === 3) throw new Error(`cannot read ${e.type}`);
      },
      finish: async () => ({ checked: seen, failures: [], notes: [] }),
    };
  },
};

describe('audit runner', () => {
  it('runs the checks it is given over every event, in pages, reporting progress', async () => {
    const progress: number[] = [];
    const report = await runAudit(
      { store: ts.store },
      { checks: [everyEventFails], pageSize: 2, onProgress: (n) => progress.push(n) },
    );
    expect(report.eventsReplayed).toBe(5);
    expect(progress).toEqual([2, 4, 5]);
    expect(report.ok).toBe(false);
    expect(report.checks[0]!.failures.map((f) => f.revision)).toEqual([0, 1, 2, 3, 4]);
  });

  it('reports a check that throws as failed where it stopped', async () => {
    const report = await runAudit({ store: ts.store }, { checks: [throwsAtThird] });
    expect(report.checks[0]).toMatchObject({
      ok: false,
      failures: [{ stream: 'thing-1', revision: 2, reason: 'check stopped: cannot read Thing' }],
    });
  });

  it('shows at most the first failures of a check in the summary', async () => {
    const report = await runAudit({ store: ts.store }, { checks: [everyEventFails] });
    const text = formatAuditReport(report, 2);
    expect(text).toContain('✗ every event fails: 5 checked, 5 failed');
    expect(text).toContain('    thing-1 @ revision 1: no');
    expect(text).not.toContain('revision 2:');
    expect(text).toContain('… and 3 more (see --json)');
  });

  it('passes the default checks on an intact log without checkpoints, noting it', async () => {
    const report = await runAudit({ store: ts.store });
    expect(report.ok).toBe(true);
    expect(report.store).toBe('pglite');
    expect(report.checks.find((c) => c.id === 'checkpoints')?.notes).toContain(
      'no checkpoints yet',
    );
  });
});

describe('audit check: projections rebuilt equal live, on the embedded store', () => {
  it('passes with live runners on the same PGlite database, and finds an edited row', async () => {
    const runners = await startProjections({ store: ts.store, readDb: ts.db });
    try {
      expect(await runners.waitFor((await ts.store.headPosition())!)).toBe(true);
      const run = async () =>
        (await runAudit({ store: ts.store, db: ts.db }, { checks: [projectionsRebuildCheck] }))
          .checks[0]!;
      const tables = allProjections.reduce((n, p) => n + p.tables.length, 0);
      expect(await run()).toMatchObject({ ok: true, checked: tables, notes: [] });

      await ts.db.query(
        `UPDATE read.activity SET type = 'Other' WHERE stream = 'thing-1' AND revision = 2`,
      );
      expect((await run()).failures).toEqual([
        {
          stream: 'read.activity',
          revision: -1,
          reason: expect.stringContaining('first key ["thing-1",2]: columns type differ'),
        },
      ]);
    } finally {
      await runners.stop();
    }
  });
});
