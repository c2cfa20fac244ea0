// Admin: the dashboard's overview counts and revenue, and property approvals.
// Billed is the sum of bill charges (a bill's total minus the arrears it
// carries, so a carried amount is not counted twice); collected is payments
// received (credits excluded); overdue is unpaid on bills past their due date. The pending
// list shows each property's address (opened for staff) and the enabled
// gateways of its area; approval assigns one of those gateways and a free
// meter from inventory (the services refuse a gateway of another area or a
// meter already in use), rejection records a reason.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { approveProperty, rejectProperty } from '../../commands/properties.ts';
import { listGateways } from '../../projections/inventory/queries.ts';
import { pendingApprovals } from '../../projections/properties/index.ts';
import { requireRole } from '../auth-guard.ts';
import { commandMetadata } from '../context.ts';
import { openAddress } from '../personal-data.ts';
import {
  approvalSchema as done,
  approveBody,
  overviewSchema,
  pendingPropertySchema,
  rejectBody,
} from '../schemas/admin.ts';
import { ok, settle } from './api-support.ts';

export const staff = requireRole('admin', 'superuser');
const params = z.object({ propertyId: z.uuid() });

export async function adminPropertyRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.get(
    '/api/admin/overview',
    { preValidation: staff, schema: { tags: ['admin'], response: ok(overviewSchema) } },
    async () => {
      const { rows } = await db.query<z.input<typeof overviewSchema>>(
        `SELECT
          (SELECT count(*) FROM read.properties WHERE status = 'pending') AS "pendingApprovals",
          (SELECT count(*) FROM read.properties WHERE status = 'approved') AS "approvedProperties",
          (SELECT count(*) FROM read.meters) AS meters,
          (SELECT count(*) FROM read.meter_presence WHERE online) AS "metersOnline",
          (SELECT count(*) FROM read.tickets
             WHERE status IN ('open', 'acknowledged', 'assigned', 'reopened')) AS "openTickets",
          (SELECT count(DISTINCT property_id) FROM read.receivable_bills
             WHERE remaining_paise > 0 AND due_date < current_date) AS defaulters,
          (SELECT count(*) FROM read.bill_runs WHERE status = 'open') AS "openBillRuns",
          (SELECT coalesce(sum(charged_paise), 0) FROM read.receivable_balances) AS "billedPaise",
          (SELECT coalesce(sum(paid_paise), 0) FROM read.receivable_balances) AS "collectedPaise",
          (SELECT coalesce(sum(remaining_paise), 0) FROM read.receivable_bills
             WHERE remaining_paise > 0 AND due_date < current_date) AS "overduePaise"`,
      );
      return rows[0]!;
    },
  );

  app.get(
    '/api/admin/approvals',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        querystring: z.strictObject({
          pincode: z
            .string()
            .regex(/^\d{6}$/)
            .optional(),
        }),
        response: ok(z.array(pendingPropertySchema)),
      },
    },
    async (request) => {
      const [pending, gateways] = await Promise.all([
        pendingApprovals(db, request.query),
        listGateways(db),
      ]);
      return Promise.all(
        pending.map(async (p) => ({
          propertyId: p.propertyId,
          ownerId: p.ownerId,
          kind: p.kind,
          city: p.city,
          state: p.state,
          pincode: p.pincode,
          address: await openAddress(app.vault, p.address),
          addedAt: p.addedAt,
          gateways: gateways
            .filter((g) => g.status === 'enabled' && g.state === p.state && g.city === p.city)
            .map(({ gatewayId, name }) => ({ gatewayId, name })),
        })),
      );
    },
  );

  app.post(
    '/api/admin/properties/:propertyId/approve',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        params,
        body: approveBody,
        response: ok(done),
      },
    },
    async (request, reply) => {
      const { position } = await approveProperty(
        app,
        { propertyId: request.params.propertyId, ...request.body },
        commandMetadata(app, request),
      );
      await settle(app, reply, position, ['properties', 'inventory']);
      return { status: 'approved' as const };
    },
  );

  app.post(
    '/api/admin/properties/:propertyId/reject',
    {
      preValidation: staff,
      schema: {
        tags: ['admin'],
        params,
        body: rejectBody,
        response: ok(done),
      },
    },
    async (request, reply) => {
      const { position } = await rejectProperty(
        app,
        { propertyId: request.params.propertyId, reason: request.body.reason },
        commandMetadata(app, request),
      );
      await settle(app, reply, position, ['properties']);
      return { status: 'rejected' as const };
    },
  );
}
