// Read model `tickets`: the staff queue and each customer's tickets, with
// comments. Text is stored as the events hold it (already redacted by the
// decider; see src/domain/ticket/events.ts on privacy).

import type { SqlExecutor } from '../../db/sql.ts';
import { ticketEvents } from '../../domain/ticket/events.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { dataReader, streamId } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE tickets (
  ticket_id text PRIMARY KEY,
  property_id text NOT NULL,
  opened_by text NOT NULL,
  category text NOT NULL,
  subject text NOT NULL,
  text text NOT NULL,
  status text NOT NULL,
  assignee text,
  resolution text,
  comment_count integer NOT NULL DEFAULT 0,
  opened_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX tickets_queue ON tickets (status, opened_at);
CREATE INDEX tickets_opened_by ON tickets (opened_by);
CREATE TABLE ticket_comments (
  event_id text PRIMARY KEY,
  ticket_id text NOT NULL,
  author text NOT NULL,
  author_role text NOT NULL,
  text text NOT NULL,
  commented_at timestamptz NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, commented_at)`;

const d = dataReader(ticketEvents);

const set = (
  tx: SqlExecutor,
  e: RecordedEvent,
  at: string,
  assignments: string,
  params: unknown[] = [],
) =>
  tx.query(`UPDATE tickets SET ${assignments}, updated_at = $2 WHERE ticket_id = $1`, [
    streamId(e),
    at,
    ...params,
  ]);

export const ticketsProjection: Projection = {
  name: 'tickets',
  version: 1,
  schemaSql,
  tables: ['tickets', 'ticket_comments'],
  handlers: {
    TicketOpened: (tx, e) => {
      const o = d('TicketOpened', e);
      return tx.query(
        `INSERT INTO tickets (ticket_id, property_id, opened_by, category, subject, text, status, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7) ON CONFLICT (ticket_id) DO NOTHING`,
        [o.ticketId, o.propertyId, o.openedBy, o.category, o.subject, o.text, o.openedAt],
      );
    },
    TicketCommented: async (tx, e) => {
      const c = d('TicketCommented', e);
      await tx.query(
        `INSERT INTO ticket_comments (event_id, ticket_id, author, author_role, text, commented_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
        [e.id, streamId(e), c.author, c.authorRole, c.text, c.commentedAt],
      );
      await set(tx, e, c.commentedAt, 'comment_count = comment_count + 1');
    },
    TicketAcknowledged: (tx, e) =>
      set(tx, e, d('TicketAcknowledged', e).acknowledgedAt, "status = 'acknowledged'"),
    TicketAssigned: (tx, e) => {
      const a = d('TicketAssigned', e);
      return set(tx, e, a.assignedAt, "status = 'assigned', assignee = $3", [a.assignee]);
    },
    TicketResolved: (tx, e) => {
      const r = d('TicketResolved', e);
      return set(tx, e, r.resolvedAt, "status = 'resolved', resolution = $3", [r.resolution]);
    },
    TicketClosed: (tx, e) => set(tx, e, d('TicketClosed', e).closedAt, "status = 'closed'"),
    TicketReopened: (tx, e) => set(tx, e, d('TicketReopened', e).reopenedAt, "status = 'reopened'"),
  },
};

export interface TicketRow {
  ticketId: string;
  propertyId: string;
  openedBy: string;
  category: string;
  subject: string;
  text: string;
  status: string;
  assignee: string | null;
  resolution: string | null;
  commentCount: number;
  openedAt: Date;
  updatedAt: Date;
}

const SELECT = `SELECT ticket_id AS "ticketId", property_id AS "propertyId", opened_by AS "openedBy",
  category, subject, text, status, assignee, resolution, comment_count AS "commentCount",
  opened_at AS "openedAt", updated_at AS "updatedAt" FROM read.tickets`;

/** Staff queue: tickets not closed or resolved (or in `statuses`), oldest first. */
export async function ticketQueue(
  db: SqlExecutor,
  filter: { statuses?: string[]; assignee?: string } = {},
): Promise<TicketRow[]> {
  const { rows } = await db.query<TicketRow>(
    `${SELECT} WHERE status = ANY($1) AND ($2::text IS NULL OR assignee = $2) ORDER BY opened_at, ticket_id`,
    [filter.statuses ?? ['open', 'acknowledged', 'assigned', 'reopened'], filter.assignee ?? null],
  );
  return rows;
}

/** Tickets a customer opened, newest first. */
export async function ticketsOf(db: SqlExecutor, accountId: string): Promise<TicketRow[]> {
  const { rows } = await db.query<TicketRow>(
    `${SELECT} WHERE opened_by = $1 ORDER BY opened_at DESC, ticket_id`,
    [accountId],
  );
  return rows;
}

export interface TicketComment {
  author: string;
  authorRole: string;
  text: string;
  commentedAt: Date;
}

export async function getTicket(
  db: SqlExecutor,
  ticketId: string,
): Promise<(TicketRow & { comments: TicketComment[] }) | null> {
  const { rows } = await db.query<TicketRow>(`${SELECT} WHERE ticket_id = $1`, [ticketId]);
  if (!rows[0]) return null;
  const comments = await db.query<TicketComment>(
    `SELECT author, author_role AS "authorRole", text, commented_at AS "commentedAt"
     FROM read.ticket_comments WHERE ticket_id = $1 ORDER BY commented_at, event_id`,
    [ticketId],
  );
  return { ...rows[0], comments: comments.rows };
}
