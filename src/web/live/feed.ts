// The dashboards' live feed: one poller per web process reads the read models
// on an interval (bill-run progress, meters online, the open ticket queue) and
// hands each topic to subscribers only when it changed, so a hundred open
// dashboards cost one set of queries per tick. The poller runs only while
// someone is subscribed; a new subscriber gets the latest snapshot at once.

import type { SqlExecutor } from '../../db/sql.ts';
import { listBillRuns } from '../../projections/billruns/index.ts';

export type LiveTopic = 'billruns' | 'meters' | 'tickets';
export interface LiveMessage {
  topic: LiveTopic;
  data: unknown;
}
export type LiveListener = (message: LiveMessage) => void;

export interface LiveFeed {
  subscribe(listener: LiveListener): () => void;
  stop(): void;
}

async function snapshot(db: SqlExecutor): Promise<Record<LiveTopic, unknown>> {
  const [runs, meters, tickets] = await Promise.all([
    listBillRuns(db, 5),
    db.query<{ total: number | string; online: number | string }>(
      `SELECT (SELECT count(*) FROM read.meters) AS total,
         (SELECT count(*) FROM read.meter_presence WHERE online) AS online`,
    ),
    db.query<{ ticketId: string; subject: string; status: string; openedAt: Date }>(
      `SELECT ticket_id AS "ticketId", subject, status, opened_at AS "openedAt" FROM read.tickets
       WHERE status IN ('open', 'reopened') ORDER BY opened_at DESC LIMIT 10`,
    ),
  ]);
  const m = meters.rows[0]!;
  return {
    billruns: runs,
    meters: { total: Number(m.total), online: Number(m.online) },
    tickets: tickets.rows,
  };
}

export function createLiveFeed(
  db: SqlExecutor,
  options: { pollMs?: number; onError?: (error: unknown) => void } = {},
): LiveFeed {
  const pollMs = options.pollMs ?? 2000;
  const listeners = new Set<LiveListener>();
  const last = new Map<LiveTopic, { json: string; data: unknown }>();
  let timer: NodeJS.Timeout | null = null;
  let busy = false;

  const tick = async () => {
    // A slow database must not stack up overlapping polls.
    if (busy) return;
    busy = true;
    try {
      const current = await snapshot(db);
      for (const topic of Object.keys(current) as LiveTopic[]) {
        const json = JSON.stringify(current[topic]);
        if (last.get(topic)?.json === json) continue;
        last.set(topic, { json, data: current[topic] });
        for (const listener of listeners) listener({ topic, data: current[topic] });
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      busy = false;
    }
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      for (const [topic, { data }] of last) listener({ topic, data });
      if (timer === null) {
        timer = setInterval(() => void tick(), pollMs);
        void tick();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
          last.clear();
        }
      };
    },
    stop() {
      listeners.clear();
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
