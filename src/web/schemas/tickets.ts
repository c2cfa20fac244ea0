// Wire shapes of support tickets (src/web/routes/tickets.ts for customers,
// admin-people.ts for the support queue, which answers with the same shapes).

import { z } from 'zod';
import { ticketCategories } from '../../domain/ticket/events.ts';
import { instant, int } from './wire.ts';

export const ticketSchema = z.object({
  ticketId: z.string(),
  propertyId: z.string(),
  openedBy: z.string(),
  category: z.string(),
  subject: z.string(),
  text: z.string(),
  status: z.string(),
  assignee: z.string().nullable(),
  resolution: z.string().nullable(),
  commentCount: int,
  openedAt: instant,
  updatedAt: instant,
});
export type Ticket = z.input<typeof ticketSchema>;

export const ticketDetailSchema = ticketSchema.extend({
  comments: z.array(
    z.object({
      author: z.string(),
      authorRole: z.string(),
      text: z.string(),
      commentedAt: instant,
    }),
  ),
});
export type TicketDetail = z.input<typeof ticketDetailSchema>;

export const ticketTextSchema = z.string().trim().min(1).max(4000);

export const openTicketBody = z.strictObject({
  propertyId: z.uuid(),
  category: z.enum(ticketCategories),
  subject: z.string().trim().min(1).max(200),
  text: ticketTextSchema,
});
export type OpenTicketInput = z.input<typeof openTicketBody>;

export const ticketOpenedSchema = z.object({ ticketId: z.uuid() });
export type TicketOpened = z.input<typeof ticketOpenedSchema>;
