// Kill the runner mid-batch: a child process applies a large backlog, is
// SIGKILLed while it works, and is started again. No event may be applied
// twice or skipped: the activity log holds one row per event, and every row
// equals a clean rebuild's (readings add up consumption, so a batch applied
// twice would show).

import { spawn, type ChildProcess } from 'node:child_process';
import { expect, it } from 'vitest';
import { findProjections } from '../../src/projections/index.ts';
import { rebuildProjections } from '../../src/projections/rebuild.ts';
import { readCheckpoint } from '../../src/projections/schema.ts';
import { openedBeforeAll } from '../support/opened-before-all.ts';
import { createPostgresTestStore } from '../support/store.ts';
import { dumpReadModels } from './fixtures/dump.ts';
import { workload } from './fixtures/workload.ts';

const NAMES = ['activity', 'readings', 'inventory'];
const t = openedBeforeAll(createPostgresTestStore);

function startChild(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/projections/fixtures/runner-child.ts',
      t.database.url,
      NAMES.join(','),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`runner child exited early (${code})`)));
  });
}

const killed = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });

async function eventsApplied(): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM read.activity');
  return rows[0]!.n;
}

const until = async (condition: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

it('restarts after SIGKILL mid-backlog with every event applied exactly once', async () => {
  let total = 0;
  let head = '';
  for (const appends of workload({ seed: 3, properties: 150, readingsPerPeriod: 20, periods: 2 })) {
    for (const outcome of await t.store.appendMany(appends)) {
      if (!outcome.ok) throw outcome.error;
      if (head === '' || t.store.comparePositions(outcome.result.position, head) > 0)
        head = outcome.result.position;
    }
    total += appends.reduce((n, a) => n + a.events.length, 0);
  }
  expect(total).toBeGreaterThan(5000);

  for (let kill = 0; kill < 2; kill++) {
    const child = await startChild();
    const before = await eventsApplied();
    // Let it get into the backlog, then kill it without warning.
    await until(async () => (await eventsApplied()) > before + 500, 60_000);
    await killed(child, 'SIGKILL');
    const applied = await eventsApplied();
    expect(applied).toBeLessThan(total);
  }
  const child = await startChild();
  await until(async () => (await readCheckpoint(t.db, 'activity'))?.position === head, 120_000);
  await until(async () => (await readCheckpoint(t.db, 'readings'))?.position === head, 120_000);
  await until(async () => (await readCheckpoint(t.db, 'inventory'))?.position === head, 120_000);
  await killed(child, 'SIGTERM');

  expect(await eventsApplied()).toBe(total);
  const projections = findProjections(NAMES);
  const afterKills = await dumpReadModels(t.db, projections);
  await rebuildProjections({ store: t.store, readDb: t.db, projections });
  expect(await dumpReadModels(t.db, projections)).toEqual(afterKills);
}, 240_000);
