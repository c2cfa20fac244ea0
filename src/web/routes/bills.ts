// A customer's bills: the list for a property, one bill itemised, the same
// bill as a printable HTML page and as a PDF download. A bill is reachable
// through its property, so only the owner or current tenant sees it.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { billsOf, getBill, type BillRow } from '../../projections/bills/index.ts';
import { actorOf, requireRole } from '../auth-guard.ts';
import { openAddress } from '../personal-data.ts';
import { billDetailSchema, billSchema } from '../schemas/billing.ts';
import { memberProperty, memberRows, notFound, ok } from './api-support.ts';
import { billHtml, billPdf, type BillDocument } from './bill-document.ts';

const customer = requireRole('customer');
export const billIdSchema = z.string().regex(/^[0-9a-f-]{36}_\d{4}-\d{2}$/, 'a bill id');
const billParams = z.object({ billId: billIdSchema });

export const pickBill = (b: BillRow) => ({
  billId: b.billId,
  propertyId: b.propertyId,
  period: b.period,
  meterId: b.meterId,
  openingWh: b.openingWh,
  closingWh: b.closingWh,
  units: b.units,
  tariffVersion: b.tariffVersion,
  arrearsPaise: b.arrearsPaise,
  chargesPaise: b.chargesPaise,
  totalPaise: b.totalPaise,
  issuedAt: b.issuedAt,
  dueDate: b.dueDate,
});

export async function billRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  /** The bill if the actor may see it (through its property), else 404. */
  const ownBill = async (request: FastifyRequest, billId: string): Promise<BillDocument> => {
    const bill = await getBill(db, billId);
    if (bill === null) throw notFound('bill');
    const property = await memberProperty(app, actorOf(request), bill.propertyId).catch(() => {
      throw notFound('bill');
    });
    return { ...bill, address: await openAddress(app.vault, property.address) };
  };

  app.get(
    '/api/properties/:propertyId/bills',
    {
      preValidation: customer,
      schema: {
        tags: ['bills'],
        params: z.object({ propertyId: z.uuid() }),
        response: ok(z.array(billSchema)),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { propertyId } = request.params;
      const bills = await billsOf(db, propertyId, actor.accountId);
      return (await memberRows(app, actor, propertyId, bills)).map(pickBill);
    },
  );

  app.get(
    '/api/bills/:billId',
    {
      preValidation: customer,
      schema: {
        tags: ['bills'],
        params: billParams,
        response: ok(billDetailSchema),
      },
    },
    async (request) => {
      const bill = await ownBill(request, request.params.billId);
      return { ...pickBill(bill), lines: bill.lines };
    },
  );

  app.get(
    '/api/bills/:billId/print',
    {
      preValidation: customer,
      schema: {
        tags: ['bills'],
        params: billParams,
        produces: ['text/html'],
        response: ok(z.string()),
      },
    },
    async (request, reply) => {
      const bill = await ownBill(request, request.params.billId);
      return reply.type('text/html; charset=utf-8').send(billHtml(bill));
    },
  );

  app.get(
    '/api/bills/:billId/pdf',
    {
      preValidation: customer,
      schema: { tags: ['bills'], params: billParams, produces: ['application/pdf'] },
    },
    async (request, reply) => {
      const bill = await ownBill(request, request.params.billId);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="bill-${bill.period}.pdf"`)
        .send(await billPdf(bill));
    },
  );
}
