// Typed calls for support tickets, customer side (src/web/routes/tickets.ts).

import { api, type Api } from './api.ts';

export const TICKET_CATEGORIES = ['meter', 'billing', 'disconnection', 'other'] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];

export interface Ticket {
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
  openedAt: string;
  updatedAt: string;
}

export interface TicketDetail extends Ticket {
  comments: { author: string; authorRole: string; text: string; commentedAt: string }[];
}

const enc = encodeURIComponent;

export const ticketsApi = (client: Api = api) => ({
  list: () => client.get<Ticket[]>('/api/tickets'),
  get: (id: string) => client.get<TicketDetail>(`/api/tickets/${enc(id)}`),
  open: (
    body: { propertyId: string; category: TicketCategory; subject: string; text: string },
    idempotencyKey: string,
  ) => client.post<{ ticketId: string }>('/api/tickets', body, { idempotencyKey }),
  comment: (id: string, text: string) =>
    client.post<{ status: 'commented' }>(`/api/tickets/${enc(id)}/comments`, { text }),
  reopen: (id: string, reason: string) =>
    client.post<{ status: 'reopened' }>(`/api/tickets/${enc(id)}/reopen`, { reason }),
});
