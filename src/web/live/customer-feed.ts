// The portal's live feed: what changed for each signed-in customer, read from
// the read models and filtered in SQL by the customer's own account, so one
// customer's stream never carries another's data. One poller per web process
// serves every subscribed customer with one set of queries per tick (all
// subscribed accounts at once) and hands a customer a topic only when their
// slice of it changed. Membership is recomputed each tick: a tenant who
// leaves stops seeing that property's news on the next tick.

import type { SqlExecutor } from '../../db/sql.ts';

export type CustomerTopic = 'properties' | 'bills' | 'payments' | 'tickets' | 'meters';
export const CUSTOMER_TOPICS: readonly CustomerTopic[] = [
  'properties',
  'bills',
  'payments',
  'tickets',
  'meters',
];

export interface CustomerMessage {
  topic: CustomerTopic;
  data: unknown;
}
type Listener = (message: CustomerMessage) => void;

export interface CustomerFeed {
  subscribe(accountId: string, listener: Listener): () => void;
  stop(): void;
}

type Snapshot = Record<CustomerTopic, unknown[]>;

// Every row names the account it belongs to (`account`): the one query serves all subscribers.
const MEMBERS = `SELECT p.property_id, a.account, p.status, p.meter_id,
    CASE WHEN p.owner_id = a.account THEN 'owner' ELSE 'tenant' END AS role
  FROM read.properties p
  JOIN unnest($1::text[]) AS a(account) ON p.owner_id = a.account OR p.tenant_id = a.account`;

const QUERIES: Record<CustomerTopic, string> = {
  properties: `SELECT m.account, m.property_id AS "propertyId", m.status, m.role
    FROM (${MEMBERS}) m ORDER BY m.property_id`,
  bills: `SELECT m.account, b.bill_id AS "billId", b.property_id AS "propertyId", b.period,
      b.total_paise AS "totalPaise", rb.remaining_paise + rb.late_fee_paise AS "duePaise"
    FROM (${MEMBERS}) m JOIN read.bills b ON b.property_id = m.property_id
    LEFT JOIN read.receivable_bills rb ON rb.bill_id = b.bill_id
    ORDER BY b.issued_at, b.bill_id`,
  payments: `SELECT m.account, rp.event_id AS "paymentId", rp.property_id AS "propertyId",
      rp.kind, rp.amount_paise AS "amountPaise", rp.at
    FROM (${MEMBERS}) m JOIN read.receivable_payments rp ON rp.property_id = m.property_id
    ORDER BY rp.at, rp.event_id`,
  // As GET /api/tickets lists them: the tickets the customer opened.
  tickets: `SELECT t.opened_by AS account, t.ticket_id AS "ticketId", t.property_id AS "propertyId",
      t.status, t.comment_count AS "comments", t.updated_at AS "updatedAt"
    FROM read.tickets t WHERE t.opened_by = ANY($1::text[]) ORDER BY t.opened_at, t.ticket_id`,
  meters: `SELECT m.account, m.property_id AS "propertyId", m.meter_id AS "meterId",
      COALESCE(mp.online, false) AS online, mp.last_seen_at AS "lastSeenAt",
      (SELECT r.read_at FROM read.meter_readings r WHERE r.meter_id = m.meter_id
        ORDER BY r.seq DESC LIMIT 1) AS "lastReadingAt"
    FROM (${MEMBERS}) m LEFT JOIN read.meter_presence mp ON mp.meter_id = m.meter_id
    WHERE m.meter_id IS NOT NULL ORDER BY m.property_id`,
};

const toNumber = (value: unknown) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/** Rows grouped by account, without the account column; database integers as numbers. */
function byAccount(rows: Record<string, unknown>[]): Map<string, unknown[]> {
  const grouped = new Map<string, unknown[]>();
  for (const { account, ...row } of rows) {
    for (const key of ['totalPaise', 'duePaise', 'amountPaise', 'comments'])
      if (key in row) row[key] = toNumber(row[key]);
    const list = grouped.get(String(account)) ?? [];
    list.push(row);
    grouped.set(String(account), list);
  }
  return grouped;
}

async function snapshots(db: SqlExecutor, accounts: string[]): Promise<Map<string, Snapshot>> {
  const results = await Promise.all(
    CUSTOMER_TOPICS.map(async (topic) => {
      const { rows } = await db.query<Record<string, unknown>>(QUERIES[topic], [accounts]);
      return [topic, byAccount(rows)] as const;
    }),
  );
  const out = new Map<string, Snapshot>();
  for (const account of accounts) {
    const snap = {} as Snapshot;
    for (const [topic, grouped] of results) snap[topic] = grouped.get(account) ?? [];
    out.set(account, snap);
  }
  return out;
}

export function createCustomerFeed(
  db: SqlExecutor,
  options: { pollMs?: number; onError?: (error: unknown) => void } = {},
): CustomerFeed {
  const pollMs = options.pollMs ?? 2000;
  const subscribers = new Map<string, Set<Listener>>();
  const last = new Map<string, Map<CustomerTopic, { json: string; data: unknown }>>();
  let timer: NodeJS.Timeout | null = null;
  let busy = false;

  const tick = async () => {
    // A slow database must not stack up overlapping polls.
    if (busy || subscribers.size === 0) return;
    busy = true;
    try {
      const current = await snapshots(db, [...subscribers.keys()]);
      for (const [account, snap] of current) {
        const listeners = subscribers.get(account);
        if (!listeners) continue;
        let seen = last.get(account);
        if (!seen) last.set(account, (seen = new Map()));
        for (const topic of CUSTOMER_TOPICS) {
          const json = JSON.stringify(snap[topic]);
          if (seen.get(topic)?.json === json) continue;
          seen.set(topic, { json, data: snap[topic] });
          for (const listener of listeners) listener({ topic, data: snap[topic] });
        }
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      busy = false;
    }
  };

  return {
    subscribe(accountId, listener) {
      let listeners = subscribers.get(accountId);
      if (!listeners) subscribers.set(accountId, (listeners = new Set()));
      listeners.add(listener);
      for (const [topic, { data }] of last.get(accountId) ?? []) listener({ topic, data });
      if (timer === null) timer = setInterval(() => void tick(), pollMs);
      void tick();
      return () => {
        const set = subscribers.get(accountId);
        set?.delete(listener);
        if (set?.size === 0) {
          subscribers.delete(accountId);
          last.delete(accountId);
        }
        if (subscribers.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    stop() {
      subscribers.clear();
      last.clear();
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
