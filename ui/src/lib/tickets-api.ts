// Typed calls for support tickets, customer side (src/web/routes/tickets.ts).
// The shapes are the route's own zod schemas (src/web/schemas/tickets.ts),
// imported as types only.

import type {
  OpenTicketInput,
  Ticket,
  TicketDetail,
  TicketOpened,
} from '../../../src/web/schemas/tickets.ts';
import type { StatusAnswer } from '../../../src/web/schemas/wire.ts';
import { api, type Api } from './api.ts';

export type TicketCategory = OpenTicketInput['category'];
// Listed again for the form (the domain's list comes with zod); the route's schema checks it.
export const TICKET_CATEGORIES = [
  'meter',
  'billing',
  'disconnection',
  'other',
] as const satisfies readonly TicketCategory[];

export type { Ticket, TicketDetail };

const enc = encodeURIComponent;

export const ticketsApi = (client: Api = api) => ({
  list: () => client.get<Ticket[]>('/api/tickets'),
  get: (id: string) => client.get<TicketDetail>(`/api/tickets/${enc(id)}`),
  open: (body: OpenTicketInput, idempotencyKey: string) =>
    client.post<TicketOpened>('/api/tickets', body, { idempotencyKey }),
  comment: (id: string, text: string) =>
    client.post<StatusAnswer<'commented'>>(`/api/tickets/${enc(id)}/comments`, { text }),
  reopen: (id: string, reason: string) =>
    client.post<StatusAnswer<'reopened'>>(`/api/tickets/${enc(id)}/reopen`, { reason }),
});
