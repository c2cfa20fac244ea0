// Ticket commands and the status machine. The acting account is
// `metadata.actor`; its role (customer or staff) is established by the
// application service from the account's roles, and the decider enforces who
// may do what: staff acknowledge, assign and resolve; the customer who opened
// the ticket may comment, close a resolved ticket and reopen it in time.

import { DomainError, type Command } from '../shared/decider.ts';
import {
  actorRoles,
  ticketCategories,
  type ActorRole,
  type Ticket,
  type TicketCategory,
  type TicketEvent,
  type TicketState,
  type TicketStatus,
} from './events.ts';
import { maskAadhaarNumbers } from './redact.ts';

export type TicketErrorCode =
  | 'TICKET_NOT_FOUND'
  | 'TICKET_EXISTS'
  | 'INVALID_TICKET'
  | 'INVALID_CATEGORY'
  | 'INVALID_SUBJECT'
  | 'INVALID_TEXT'
  | 'INVALID_ASSIGNEE'
  | 'INVALID_ROLE'
  | 'STAFF_ONLY'
  | 'NOT_TICKET_OWNER'
  | 'ILLEGAL_TRANSITION'
  | 'TICKET_CLOSED'
  | 'REOPEN_WINDOW_EXPIRED';

export type TicketError = DomainError<TicketErrorCode>;

export const MAX_SUBJECT_LENGTH = 120;
export const MAX_TEXT_LENGTH = 4000;
/** A customer may reopen a ticket up to 14 days after it was (last) resolved. */
export const REOPEN_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

type Acting = { role: ActorRole };
export type OpenTicket = Command<
  'OpenTicket',
  {
    ticketId: string;
    propertyId: string;
    openedBy: string;
    category: TicketCategory;
    subject: string;
    text: string;
  }
>;
export type CommentOnTicket = Command<'CommentOnTicket', Acting & { text: string }>;
export type AcknowledgeTicket = Command<'AcknowledgeTicket', Acting>;
export type AssignTicket = Command<'AssignTicket', Acting & { assignee: string }>;
export type ResolveTicket = Command<'ResolveTicket', Acting & { resolution: string }>;
export type CloseTicket = Command<'CloseTicket', Acting>;
export type ReopenTicket = Command<'ReopenTicket', Acting & { reason: string }>;
export type TicketCommand =
  | OpenTicket
  | CommentOnTicket
  | AcknowledgeTicket
  | AssignTicket
  | ResolveTicket
  | CloseTicket
  | ReopenTicket;

const fail = (code: TicketErrorCode, message: string): TicketError =>
  new DomainError(code, message);

/** Trimmed, Aadhaar-masked text, or null if empty or longer than `max` characters. */
function cleanText(text: string, max: number): string | null {
  const trimmed = text.trim();
  // Count code points, not UTF-16 units, so Devanagari and emoji count as typed.
  const length = [...trimmed].length;
  return length === 0 || length > max ? null : maskAadhaarNumbers(trimmed);
}

function transition(
  ticket: Ticket,
  allowedFrom: readonly TicketStatus[],
  to: string,
): TicketError | null {
  return allowedFrom.includes(ticket.status)
    ? null
    : fail('ILLEGAL_TRANSITION', `a ${ticket.status} ticket cannot be ${to}`);
}

function openTicket(command: OpenTicket, state: TicketState): TicketEvent[] | TicketError {
  if (state.status !== 'none') return fail('TICKET_EXISTS', 'ticket already exists');
  const { ticketId, propertyId, openedBy, category } = command.data;
  if (!ticketId.trim() || !propertyId.trim() || !openedBy.trim())
    return fail('INVALID_TICKET', 'ticket, property and opener ids are required');
  if (!ticketCategories.includes(category))
    return fail('INVALID_CATEGORY', `unknown category ${String(category)}`);
  const subject = cleanText(command.data.subject, MAX_SUBJECT_LENGTH);
  if (subject === null)
    return fail('INVALID_SUBJECT', `subject must be 1-${MAX_SUBJECT_LENGTH} characters`);
  const text = cleanText(command.data.text, MAX_TEXT_LENGTH);
  if (text === null) return fail('INVALID_TEXT', `text must be 1-${MAX_TEXT_LENGTH} characters`);
  return [
    {
      type: 'TicketOpened',
      data: {
        ticketId,
        propertyId,
        openedBy,
        category,
        subject,
        text,
        openedAt: command.metadata.now,
      },
    },
  ];
}

function onTicket(
  command: Exclude<TicketCommand, OpenTicket>,
  ticket: Ticket,
): TicketEvent[] | TicketError {
  const { actor: by, now } = command.metadata;
  const { role } = command.data;
  if (!actorRoles.includes(role)) return fail('INVALID_ROLE', `unknown role ${String(role)}`);
  const isOpener = role === 'customer' && by === ticket.openedBy;
  const staffOnly = role === 'staff' ? null : fail('STAFF_ONLY', `only staff may ${command.type}`);

  switch (command.type) {
    case 'CommentOnTicket': {
      if (role === 'customer' && !isOpener)
        return fail('NOT_TICKET_OWNER', 'only the customer who opened the ticket may comment');
      if (ticket.status === 'closed')
        return fail('TICKET_CLOSED', 'a closed ticket takes no comments');
      const text = cleanText(command.data.text, MAX_TEXT_LENGTH);
      if (text === null)
        return fail('INVALID_TEXT', `comment must be 1-${MAX_TEXT_LENGTH} characters`);
      return [
        { type: 'TicketCommented', data: { author: by, authorRole: role, text, commentedAt: now } },
      ];
    }
    case 'AcknowledgeTicket':
      return (
        staffOnly ??
        transition(ticket, ['open'], 'acknowledged') ?? [
          { type: 'TicketAcknowledged', data: { by, acknowledgedAt: now } },
        ]
      );
    case 'AssignTicket': {
      const assignee = command.data.assignee.trim();
      const denied =
        staffOnly ?? transition(ticket, ['acknowledged', 'assigned', 'reopened'], 'assigned');
      if (denied) return denied;
      if (!assignee) return fail('INVALID_ASSIGNEE', 'assignee is required');
      // Assigning again to the same admin is a retry, not a change.
      if (ticket.status === 'assigned' && ticket.assignee === assignee) return [];
      return [{ type: 'TicketAssigned', data: { assignee, by, assignedAt: now } }];
    }
    case 'ResolveTicket': {
      const denied = staffOnly ?? transition(ticket, ['assigned'], 'resolved');
      if (denied) return denied;
      const resolution = cleanText(command.data.resolution, MAX_TEXT_LENGTH);
      if (resolution === null) return fail('INVALID_TEXT', 'a resolution note is required');
      return [{ type: 'TicketResolved', data: { by, resolution, resolvedAt: now } }];
    }
    case 'CloseTicket': {
      if (role === 'customer' && !isOpener)
        return fail(
          'NOT_TICKET_OWNER',
          'only the customer who opened the ticket or staff may close it',
        );
      return (
        transition(ticket, ['resolved'], 'closed') ?? [
          { type: 'TicketClosed', data: { by, byRole: role, closedAt: now } },
        ]
      );
    }
    case 'ReopenTicket': {
      if (!isOpener)
        return fail('NOT_TICKET_OWNER', 'only the customer who opened the ticket may reopen it');
      const denied = transition(ticket, ['resolved', 'closed'], 'reopened');
      if (denied) return denied;
      const resolvedAt = Date.parse(ticket.resolvedAt ?? '');
      if (!(Date.parse(now) - resolvedAt <= REOPEN_WINDOW_DAYS * DAY_MS))
        return fail(
          'REOPEN_WINDOW_EXPIRED',
          `tickets reopen only within ${REOPEN_WINDOW_DAYS} days of resolution`,
        );
      const reason = cleanText(command.data.reason, MAX_TEXT_LENGTH);
      if (reason === null) return fail('INVALID_TEXT', 'say why the ticket is reopened');
      return [{ type: 'TicketReopened', data: { by, reason, reopenedAt: now } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function decideTicket(
  command: TicketCommand,
  state: TicketState,
): TicketEvent[] | TicketError {
  if (command.type === 'OpenTicket') return openTicket(command, state);
  if (state.status === 'none') return fail('TICKET_NOT_FOUND', 'no such ticket');
  return onTicket(command, state);
}
