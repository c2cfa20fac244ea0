// Body of a verification worker thread: opens its own connections to the
// event store and the read-model database (so the replay, the signature
// checks and the rebuild comparison never run on the web process's event
// loop), runs the audit and posts each progress signal, then the report or
// the error, to the web process, and closes its connections.

import { parentPort, workerData } from 'node:worker_threads';
import { postgresDatabase } from '../db/postgres.ts';
import type { EventStore } from '../eventstore/port.ts';
import { openPostgresEventStore } from '../eventstore/postgres/index.ts';
import { countLogEvents, runJob } from './job-run.ts';
import type { AuditWorkerSources, WorkerMessage } from './job-runners.ts';
import { runAudit } from './run-audit.ts';

const port = parentPort;
if (!port) throw new Error('job-worker-main must run in a worker thread');
const sources = workerData as AuditWorkerSources;
const post = (message: WorkerMessage) => port.postMessage(message);

// Few connections: the replay reads one page at a time, the rebuild check a few more.
const db = postgresDatabase(sources.databaseUrl, 3);
let store: EventStore | null = null;
try {
  if (sources.kurrentdbUrl) {
    const { kurrentDbEventStore } = await import('../eventstore/kurrentdb.ts');
    store = kurrentDbEventStore(sources.kurrentdbUrl);
  } else {
    store = openPostgresEventStore(db);
  }
  const context = {
    store,
    db,
    ...(sources.trustedLedgerKeys ? { trustedLedgerKeys: sources.trustedLedgerKeys } : {}),
  };
  const report = await runJob(
    {
      run: (options) => runAudit(context, options),
      countEvents: () => countLogEvents(context),
      ...(sources.pageSize === undefined ? {} : { pageSize: sources.pageSize }),
    },
    (signal) => post({ type: 'signal', signal }),
  );
  post({ type: 'report', report });
} catch (error) {
  const { message, stack } = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', message, ...(stack === undefined ? {} : { stack }) });
} finally {
  await store?.close().catch(() => undefined);
  await db.close().catch(() => undefined);
}
