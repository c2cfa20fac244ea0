// The ticket feature's public face: the decider for `ticket-<ticketId>` streams.

import type { Decider } from '../shared/decider.ts';
import { decideTicket, type TicketCommand, type TicketError } from './decide.ts';
import { evolveTicket, initialTicketState, type TicketEvent, type TicketState } from './events.ts';

export const ticketDecider: Decider<TicketCommand, TicketEvent, TicketState, TicketError> = {
  decide: decideTicket,
  evolve: evolveTicket,
  initialState: initialTicketState,
};

export * from './events.ts';
export * from './decide.ts';
export { maskAadhaarNumbers } from './redact.ts';
