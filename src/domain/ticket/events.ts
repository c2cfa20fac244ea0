// Ticket streams (`ticket-<ticketId>`): one support ticket a customer raised
// about one of their properties, its comments and its trip through
//   open → acknowledged → assigned → resolved → closed
// with `resolved | closed → reopened → assigned → resolved` when the customer
// reopens it in time.
//
// Privacy: ticket text stays in clear in the events. Staff, auditors and the
// customer all need to read it, and it describes a meter or a bill, not a
// person. Customers are told not to put identity numbers in tickets, and the
// decider masks anything that checks out as an Aadhaar number (see redact.ts)
// before it reaches the immutable log. Text is NOT crypto-shredded when a
// person is forgotten; names, emails and mobiles belong in the account's
// sealed data, never here.

import { z } from 'zod';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

export const ticketCategories = ['meter', 'billing', 'disconnection', 'other'] as const;
export type TicketCategory = (typeof ticketCategories)[number];

/** Who is acting: the service establishes this from the account's roles (admin/superuser = staff). */
export const actorRoles = ['customer', 'staff'] as const;
export type ActorRole = (typeof actorRoles)[number];

const instant = z.iso.datetime({ offset: true });

export const ticketEvents = defineEvents(
  'ticket',
  'One support ticket about one property: opening, comments, and its status changes.',
  {
    TicketOpened: z.object({
      ticketId: z.string(),
      propertyId: z.string(),
      /** Customer account that opened the ticket (owner or tenant of the property). */
      openedBy: z.string(),
      category: z.enum(ticketCategories),
      subject: z.string(),
      text: z.string(),
      openedAt: instant,
    }),
    TicketCommented: z.object({
      author: z.string(),
      authorRole: z.enum(actorRoles),
      text: z.string(),
      commentedAt: instant,
    }),
    TicketAcknowledged: z.object({ by: z.string(), acknowledgedAt: instant }),
    TicketAssigned: z.object({
      /** Admin account now responsible for the ticket. */
      assignee: z.string(),
      by: z.string(),
      assignedAt: instant,
    }),
    TicketResolved: z.object({ by: z.string(), resolution: z.string(), resolvedAt: instant }),
    TicketClosed: z.object({ by: z.string(), byRole: z.enum(actorRoles), closedAt: instant }),
    TicketReopened: z.object({ by: z.string(), reason: z.string(), reopenedAt: instant }),
  },
);

export type TicketEvent = EventsOf<typeof ticketEvents>;

export type TicketStatus =
  'open' | 'acknowledged' | 'assigned' | 'resolved' | 'closed' | 'reopened';

export interface Ticket {
  status: TicketStatus;
  ticketId: string;
  propertyId: string;
  openedBy: string;
  category: TicketCategory;
  subject: string;
  assignee: string | null;
  /** When it was last resolved: the reopen window counts from here. */
  resolvedAt: string | null;
  commentCount: number;
}

export type TicketState = { status: 'none' } | Ticket;

export const initialTicketState: TicketState = { status: 'none' };

export const ticketStream = (ticketId: string): string =>
  streamName(ticketEvents.category, ticketId);

export function evolveTicket(state: TicketState, event: TicketEvent): TicketState {
  if (event.type === 'TicketOpened') {
    const { ticketId, propertyId, openedBy, category, subject } = event.data;
    return {
      status: 'open',
      ticketId,
      propertyId,
      openedBy,
      category,
      subject,
      assignee: null,
      resolvedAt: null,
      commentCount: 0,
    };
  }
  // Every other event follows an opening; a stream that starts otherwise is not a ticket.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'TicketCommented':
      return { ...state, commentCount: state.commentCount + 1 };
    case 'TicketAcknowledged':
      return { ...state, status: 'acknowledged' };
    case 'TicketAssigned':
      return { ...state, status: 'assigned', assignee: event.data.assignee };
    case 'TicketResolved':
      return { ...state, status: 'resolved', resolvedAt: event.data.resolvedAt };
    case 'TicketClosed':
      return { ...state, status: 'closed' };
    case 'TicketReopened':
      return { ...state, status: 'reopened' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
