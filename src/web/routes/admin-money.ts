// Admin: bills and payments across properties (and one property's history), counter payments (cash,
// cheque, UPI reference) recorded idempotently by their receipt reference,
// and the defaulters list sorted by amount or age.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordPayment } from '../../commands/receivables.ts';
import { getProperty } from '../../projections/properties/index.ts';
import { paymentMethods } from '../../domain/receivable/events.ts';
import {
  balanceOf,
  defaulters,
  paymentHistory,
  type PaymentRow,
} from '../../projections/receivables/queries.ts';
import { actorOf } from '../auth-guard.ts';
import { commandMetadata, idFromKey } from '../context.ts';
import { staff } from './admin-properties.ts';
import {
  counterPaymentBody,
  counterPaymentRecordedSchema,
  defaulterSchema,
  propertyPaymentsSchema,
} from '../schemas/admin.ts';
import { billSchema, paymentSchema } from '../schemas/billing.ts';
import { created, notFound, ok, settle } from './api-support.ts';
import { pickBill } from './bills.ts';
import type { BillRow } from '../../projections/bills/index.ts';

const propertyParams = z.object({ propertyId: z.uuid() });
const isoDate = z.iso.date();

export async function adminMoneyRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.get(
    '/api/admin/bills',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        querystring: z.strictObject({
          propertyId: z.uuid().optional(),
          period: z
            .string()
            .regex(/^\d{4}-\d{2}$/)
            .optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: ok(z.array(billSchema)),
      },
    },
    async (request) => {
      const { propertyId, period, limit } = request.query;
      const { rows } = await db.query<BillRow>(
        `SELECT bill_id AS "billId", property_id AS "propertyId", period, owner_id AS "ownerId",
           tenant_id AS "tenantId", meter_id AS "meterId", opening_wh AS "openingWh",
           closing_wh AS "closingWh", units, tariff_version AS "tariffVersion",
           arrears_paise AS "arrearsPaise", total_paise AS "totalPaise", charges_paise AS "chargesPaise",
           issued_at AS "issuedAt", to_char(due_date, 'YYYY-MM-DD') AS "dueDate", run_id AS "runId"
         FROM read.bills WHERE ($1::text IS NULL OR property_id = $1) AND ($2::text IS NULL OR period = $2)
         ORDER BY issued_at DESC, bill_id LIMIT $3`,
        [propertyId ?? null, period ?? null, limit],
      );
      return rows.map(pickBill);
    },
  );

  app.get(
    '/api/admin/payments',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        querystring: z.strictObject({
          method: z.enum(paymentMethods).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: ok(
          z.array(paymentSchema.extend({ propertyId: z.string(), recordedBy: z.string() })),
        ),
      },
    },
    async (request) => {
      const { method, limit } = request.query;
      const { rows } = await db.query<PaymentRow & { propertyId: string }>(
        `SELECT property_id AS "propertyId", kind, reference, amount_paise AS "amountPaise", method,
           method_reference AS "methodReference", reason, recorded_by AS "recordedBy",
           unallocated_paise AS "unallocatedPaise", allocations, at
         FROM read.receivable_payments
         WHERE kind = 'payment' AND ($1::text IS NULL OR method = $1)
         ORDER BY at DESC, event_id LIMIT $2`,
        [method ?? null, limit],
      );
      return rows;
    },
  );

  app.get(
    '/api/admin/properties/:propertyId/payments',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        params: propertyParams,
        response: ok(propertyPaymentsSchema),
      },
    },
    async (request) => {
      const { propertyId } = request.params;
      if ((await getProperty(db, propertyId)) === null) throw notFound('property');
      const balance = await balanceOf(db, propertyId);
      return { balance, payments: await paymentHistory(db, propertyId) };
    },
  );

  app.post(
    '/api/admin/properties/:propertyId/payments',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        params: propertyParams,
        body: counterPaymentBody,
        response: created(counterPaymentRecordedSchema),
      },
    },
    async (request, reply) => {
      const { propertyId } = request.params;
      if ((await getProperty(db, propertyId)) === null) throw notFound('property');
      const body = request.body;
      const paymentReference = `counter:${body.method}:${body.receipt}`;
      const metadata = {
        ...commandMetadata(app, request),
        // The receipt makes the command: entering the same receipt twice records it once.
        commandId: idFromKey('counter-payment', `${propertyId}\0${paymentReference}`),
      };
      const { position, events } = await recordPayment(
        app,
        {
          propertyId,
          paymentReference,
          amountPaise: body.amountPaise,
          method: body.method,
          methodReference: body.method === 'cash' ? null : body.methodReference,
          receivedAt: body.receivedAt,
          recordedBy: actorOf(request).accountId,
        },
        metadata,
      );
      await settle(app, reply, position, ['receivables']);
      return reply.status(201).send({ paymentReference, recorded: events.length > 0 });
    },
  );

  app.get(
    '/api/admin/defaulters',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        querystring: z.strictObject({
          asOf: isoDate.optional(),
          minAgeDays: z.coerce.number().int().min(0).default(0),
          sort: z.enum(['amount', 'age']).default('amount'),
        }),
        response: ok(z.array(defaulterSchema)),
      },
    },
    async (request) => {
      const { asOf, minAgeDays, sort } = request.query;
      const date = asOf ?? app.authSettings.clock().toISOString().slice(0, 10);
      const rows = await defaulters(db, date, minAgeDays);
      return sort === 'age'
        ? [...rows].sort((a, b) => b.ageDays - a.ageDays || b.overduePaise - a.overduePaise)
        : rows;
    },
  );
}
