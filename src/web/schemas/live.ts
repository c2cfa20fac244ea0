// Wire shapes of the live feeds' server-sent events that the UI reads
// (src/web/routes/live.ts encodes each message with these): the dashboard's
// bill runs, meter counts and open tickets, and the portal's meters. The
// portal's other topics (properties, bills, payments, tickets) are change
// signals: the UI reloads the page's data through the REST routes and never
// reads their rows.

import { z } from 'zod';
import { billRunSchema } from './admin.ts';
import { instant, int } from './wire.ts';

export const liveTicketSchema = z.object({
  ticketId: z.string(),
  subject: z.string(),
  status: z.string(),
  openedAt: instant,
});
export type LiveTicket = z.input<typeof liveTicketSchema>;

export const meterCountsSchema = z.object({ total: int, online: int });
export type MeterCounts = z.input<typeof meterCountsSchema>;

/** GET /api/live, by event name. */
export const dashboardTopics = {
  billruns: z.array(billRunSchema),
  meters: meterCountsSchema,
  tickets: z.array(liveTicketSchema),
};

export const liveMeterSchema = z.object({
  propertyId: z.string(),
  meterId: z.string(),
  online: z.boolean(),
  lastSeenAt: instant.nullable(),
  lastReadingAt: instant.nullable(),
});
export type LiveMeter = z.input<typeof liveMeterSchema>;

/** GET /api/live/mine, by event name: the topics whose rows the UI reads. */
export const portalTopics = { meters: z.array(liveMeterSchema) };
