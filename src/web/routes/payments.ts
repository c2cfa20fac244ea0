// Paying: a property's balance and payment history, a checkout for a bill
// through the payment provider, and the providers' signed webhooks. The
// webhook route reads the RAW body (the signature covers the exact bytes),
// skips CSRF (the signature is the proof of origin) and records the payment
// once per provider reference: a replay records nothing new, a forgery is
// refused before anything is read from it.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordPayment } from '../../commands/receivables.ts';
import { WebhookError, type PaymentNotification } from '../../payments/port.ts';
import { getBill } from '../../projections/bills/index.ts';
import { balanceOf, paymentHistory } from '../../projections/receivables/queries.ts';
import { actorOf, requireRole } from '../auth-guard.ts';
import { idFromKey } from '../context.ts';
import { ProblemError } from '../problem.ts';
import { balanceSchema, checkoutBody, checkoutSchema, paymentSchema } from '../schemas/billing.ts';
import { memberProperty, memberRows, notFound, ok, settle } from './api-support.ts';
import { billIdSchema } from './bills.ts';

const customer = requireRole('customer');
const propertyParams = z.object({ propertyId: z.uuid() });

const ZERO = {
  balancePaise: 0,
  creditPaise: 0,
  chargedPaise: 0,
  lateFeesPaise: 0,
  paidPaise: 0,
  creditedPaise: 0,
};

/** Records a verified "paid" notification; the same reference twice records it once. */
export async function recordProviderPayment(
  app: FastifyInstance,
  provider: string,
  n: PaymentNotification,
): Promise<string | null> {
  const now = app.authSettings.clock();
  const paymentReference = `${provider}:${n.providerReference}`;
  // A provider clock slightly ahead of ours must not make the payment "in the future".
  const receivedAt = new Date(Math.min(Date.parse(n.paidAt), now.getTime())).toISOString();
  const metadata = {
    now: now.toISOString(),
    commandId: idFromKey('payment', paymentReference),
    actor: `system:payments:${provider}`,
  };
  const { position } = await recordPayment(
    app,
    {
      propertyId: n.propertyId,
      paymentReference,
      amountPaise: n.amountPaise,
      method: 'online',
      methodReference: n.providerReference,
      receivedAt,
      recordedBy: metadata.actor,
    },
    metadata,
  );
  return position;
}

export async function paymentRoutes(root: FastifyInstance) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = app.api.readDb;

  app.get(
    '/api/properties/:propertyId/balance',
    {
      preValidation: customer,
      schema: { tags: ['payments'], params: propertyParams, response: ok(balanceSchema) },
    },
    async (request) => {
      const actor = actorOf(request);
      const { propertyId } = request.params;
      const found = await balanceOf(db, propertyId, actor.accountId);
      const [row] = await memberRows(app, actor, propertyId, found ? [found] : []);
      const { propertyId: _, ...balance } = row ?? { propertyId, ...ZERO };
      return balance;
    },
  );

  app.get(
    '/api/properties/:propertyId/payments',
    {
      preValidation: customer,
      schema: { tags: ['payments'], params: propertyParams, response: ok(z.array(paymentSchema)) },
    },
    async (request) => {
      const p = await memberProperty(app, actorOf(request), request.params.propertyId);
      return (await paymentHistory(db, p.propertyId)).map(({ recordedBy: _, ...row }) => row);
    },
  );

  app.post(
    '/api/bills/:billId/checkout',
    {
      preValidation: customer,
      schema: {
        tags: ['payments'],
        params: z.object({ billId: billIdSchema }),
        body: checkoutBody,
        response: ok(checkoutSchema),
      },
    },
    async (request) => {
      const bill = await getBill(db, request.params.billId);
      if (bill === null) throw notFound('bill');
      await memberProperty(app, actorOf(request), bill.propertyId).catch(() => {
        throw notFound('bill');
      });
      const { rows } = await db.query<{ remaining: number | string }>(
        'SELECT remaining_paise + late_fee_paise AS remaining FROM read.receivable_bills WHERE bill_id = $1',
        [bill.billId],
      );
      const amountPaise = Number(rows[0]?.remaining ?? 0);
      if (amountPaise <= 0) throw new ProblemError(422, 'NOTHING_TO_PAY', 'This bill is paid.');
      const provider = app.api.payments[0];
      if (!provider) throw new ProblemError(503, 'PAYMENTS_UNAVAILABLE', 'No payment provider.');
      const checkout = await provider.startCheckout({
        propertyId: bill.propertyId,
        billId: bill.billId,
        amountPaise,
        returnUrl: `${app.authSettings.publicUrl}${request.body.returnPath}`,
      });
      return { ...checkout, amountPaise };
    },
  );

  // Its own context: here JSON bodies stay raw Buffers for the signature check.
  await app.register(async (hooks) => {
    hooks.removeContentTypeParser('application/json');
    hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    hooks.withTypeProvider<ZodTypeProvider>().post(
      '/api/payments/webhooks/:provider',
      {
        config: { csrf: false },
        schema: {
          tags: ['payments'],
          params: z.object({ provider: z.string().regex(/^[a-z0-9-]{1,32}$/) }),
          response: ok(z.object({ status: z.enum(['recorded', 'ignored']) })),
        },
      },
      async (request, reply) => {
        const provider = app.api.payments.find((p) => p.name === request.params.provider);
        if (!provider) throw notFound('payment provider');
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const verified = provider.verify(request.headers, raw, app.authSettings.clock());
        if (verified instanceof WebhookError) {
          request.log.warn({ code: verified.code }, 'payment webhook refused');
          const status = verified.code === 'BODY_INVALID' ? 400 : 401;
          throw new ProblemError(status, verified.code, verified.message);
        }
        if (verified.status !== 'paid') return { status: 'ignored' as const };
        const position = await recordProviderPayment(app, provider.name, verified);
        await settle(app, reply, position, ['receivables']);
        return { status: 'recorded' as const };
      },
    );
  });
}
