// Admin: tariffs and bill runs. Tariff versions are listed per property kind;
// a superuser publishes a new one (zod reports every structural problem at
// once; every broken tariff rule is listed in one 422, the first one's code
// as the problem's code; the version sequence is the decider's); any version, or draft terms, can be previewed as a bill for N kWh
// through the same pure calculation bill runs use. Bill runs start for every
// approved property with a meter and report their progress.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { startBillRun, storeBillingPorts } from '../../commands/billing.ts';
import { publishTariffVersion, tariffVersions } from '../../commands/tariffs.ts';
import { calculateBill } from '../../domain/billing/calculate-bill.ts';
import { DomainError } from '../../domain/shared/decider.ts';
import { propertyKinds, tariffTermsSchema } from '../../domain/tariff/events.ts';
import { billRunMeters, getBillRun, listBillRuns } from '../../projections/billruns/index.ts';
import { requireRole } from '../auth-guard.ts';
import { commandMetadata } from '../context.ts';
import { ProblemError, sendProblem } from '../problem.ts';
import { staff } from './admin-properties.ts';
import {
  billRunDetailSchema,
  billRunSchema,
  billRunStartedSchema,
  startBillRunBody,
  tariffPublishedSchema,
} from '../schemas/admin.ts';
import { billLineSchema } from '../schemas/billing.ts';
import { int } from '../schemas/wire.ts';
import { created, notFound, ok, settle } from './api-support.ts';
import { tariffProblems } from './tariff-problems.ts';

const superuser = requireRole('superuser');
const kindParams = z.object({ kind: z.enum(propertyKinds) });

const previewSchema = z.object({
  units: int,
  tariffVersion: int,
  lines: z.array(billLineSchema),
  totalPaise: int,
  dueDate: z.string(),
});

export async function adminTariffRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.get(
    '/api/admin/tariffs/:kind',
    {
      preValidation: staff,
      schema: { tags: ['tariffs'], params: kindParams, response: ok(z.array(tariffTermsSchema)) },
    },
    async (request) => tariffVersions(app.store, request.params.kind),
  );

  app.post(
    '/api/admin/tariffs/:kind',
    {
      preValidation: superuser,
      schema: {
        tags: ['tariffs'],
        params: kindParams,
        body: tariffTermsSchema.strict(),
        response: created(tariffPublishedSchema),
      },
    },
    async (request, reply) => {
      const problems = tariffProblems(request.body);
      if (problems.length > 0)
        return sendProblem(reply, {
          status: 422,
          code: problems[0]!.code,
          detail: problems.map((p) => p.message).join('; '),
          errors: problems.map(({ path, message }) => ({ path: `body${path}`, message })),
        });
      // Tariffs have no read model: later reads fold the stream, so there is nothing to wait for.
      const { version } = await publishTariffVersion(
        app,
        { kind: request.params.kind, terms: request.body },
        commandMetadata(app, request),
      );
      return reply.status(201).send({ version });
    },
  );

  app.post(
    '/api/admin/tariffs/:kind/preview',
    {
      preValidation: staff,
      schema: {
        tags: ['tariffs'],
        params: kindParams,
        body: z.strictObject({
          kwh: z.number().int().min(0).max(10_000_000),
          /** A published version; omitted: the latest, or `terms` when given. */
          version: z.number().int().positive().optional(),
          terms: tariffTermsSchema.strict().optional(),
        }),
        response: ok(previewSchema),
      },
    },
    async (request) => {
      const { kwh, version, terms } = request.body;
      const versions = await tariffVersions(app.store, request.params.kind);
      const tariff =
        terms ?? (version ? versions.find((v) => v.version === version) : versions.at(-1));
      if (!tariff) throw notFound('tariff version');
      const now = app.authSettings.clock();
      const start = new Date(now.getTime() - 30 * 86_400_000).toISOString();
      const bill = calculateBill({
        opening: { eventId: 'preview-opening', registerWh: 0, readAt: start },
        closing: { eventId: 'preview-closing', registerWh: kwh * 1000, readAt: now.toISOString() },
        tariff,
        arrearsPaise: 0,
        missedPeriods: 0,
        issuedAt: now.toISOString(),
      });
      if (bill instanceof DomainError) throw bill;
      return bill;
    },
  );

  app.get(
    '/api/admin/bill-runs',
    { preValidation: staff, schema: { tags: ['bill runs'], response: ok(z.array(billRunSchema)) } },
    async () => listBillRuns(db),
  );

  app.get(
    '/api/admin/bill-runs/:runId',
    {
      preValidation: staff,
      schema: {
        tags: ['bill runs'],
        params: z.object({ runId: z.uuid() }),
        response: ok(billRunDetailSchema),
      },
    },
    async (request) => {
      const run = await getBillRun(db, request.params.runId);
      if (run === null) throw notFound('bill run');
      return { ...run, meters: await billRunMeters(db, run.runId) };
    },
  );

  app.post(
    '/api/admin/bill-runs',
    {
      preValidation: staff,
      schema: {
        tags: ['bill runs'],
        body: startBillRunBody,
        response: created(billRunStartedSchema),
      },
    },
    async (request, reply) => {
      const metadata = commandMetadata(app, request);
      const runId = metadata.commandId;
      const { rows: meters } = await db.query<{ meterId: string; propertyId: string }>(
        `SELECT meter_id AS "meterId", property_id AS "propertyId" FROM read.properties
         WHERE status = 'approved' AND meter_id IS NOT NULL ORDER BY property_id`,
      );
      if (meters.length === 0)
        throw new ProblemError(422, 'NO_METERS', 'No approved property has a meter to bill.');
      const deadline =
        request.body.deadline ?? new Date(Date.parse(metadata.now) + 30 * 60_000).toISOString();
      const { position } = await startBillRun(
        { store: app.store, ports: storeBillingPorts(app.store) },
        { runId, period: request.body.period, deadline, meters },
        metadata,
      );
      await settle(app, reply, position, ['billruns']);
      return reply.status(201).send({ runId, meters: meters.length });
    },
  );
}
