// The bill-run gauges from a real open run: the billing world's meters in a
// run started through the billing commands, the billruns read model built by
// its runner (into a read database of its own), then scraped.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { billRunProgressSource } from '../../src/ops/bill-runs.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { billRunsProjection } from '../../src/projections/billruns/index.ts';
import { startProjections, type RunningProjections } from '../../src/projections/index.ts';
import { createBillingWorld, startRun } from '../iot/billrun-world.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

let world: Awaited<ReturnType<typeof createBillingWorld>>;
let readDatabase: TestDatabase;
let readDb: SqlDatabase;
let projections: RunningProjections;

beforeAll(async () => {
  world = await createBillingWorld();
  readDatabase = await createTestDatabase('rd');
  readDb = postgresDatabase(readDatabase.url);
  projections = await startProjections({
    store: world.store,
    readDb,
    projections: [billRunsProjection],
  });
});
afterAll(async () => {
  await projections?.stop();
  await readDb?.close();
  await readDatabase?.drop();
  await world?.close();
});

describe('bill_run_meters', () => {
  it('reports each open run by state, and drops it once no run is open', async () => {
    const meters = [await world.installMeter(1), await world.installMeter(2)];
    const runId = await startRun(world, meters, 60 * 60_000);
    const head = await world.store.headPosition();
    expect(await projections.waitFor(head!, { timeoutMs: 10_000 })).toBe(true);

    const metrics = createMetrics({ defaultMetrics: false });
    metrics.watchBillRuns(billRunProgressSource(readDb));
    const body = await metrics.registry.metrics();
    expect(body).toContain(`bill_run_meters{run_id="${runId}",state="total"} 2`);
    expect(body).toContain(`bill_run_meters{run_id="${runId}",state="billed"} 0`);
    expect(body).toContain(`bill_run_meters{run_id="${runId}",state="missed"} 0`);

    // Stands in for BillRunCompleted, which needs the deadline to pass.
    await readDb.query(`UPDATE read.bill_runs SET status = 'completed' WHERE run_id = $1`, [runId]);
    expect(await metrics.registry.metrics()).not.toContain(runId);
  });
});
