// Progress of the open bill runs for /metrics, read from the billruns read
// model (the fan-out's own counters live in whichever gateway runs it; the
// read model sees every gateway's answers).

import type { SqlExecutor } from '../db/sql.ts';
import type { BillRunProgress } from './metrics.ts';

export function billRunProgressSource(readDb: SqlExecutor): () => Promise<BillRunProgress[]> {
  return async () => {
    const { rows } = await readDb.query<{
      run_id: string;
      total: number;
      asked: number;
      answered: number;
      billed: number;
      missed: number;
    }>(
      `SELECT run_id, total, asked, answered, billed, missed
         FROM read.bill_runs WHERE status = 'open' ORDER BY started_at`,
    );
    return rows.map((r) => ({
      runId: r.run_id,
      total: Number(r.total),
      asked: Number(r.asked),
      answered: Number(r.answered),
      billed: Number(r.billed),
      missed: Number(r.missed),
    }));
  };
}
