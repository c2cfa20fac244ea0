// Wire shapes of a customer's meter data, bills and payments
// (src/web/routes/meters.ts, bills.ts, payments.ts; the admin money routes
// answer with the same bill, balance and payment shapes).

import { z } from 'zod';
import { instant, int } from './wire.ts';

export const readingSchema = z.object({
  eventId: z.string(),
  seq: int,
  registerWh: int,
  deltaWh: int,
  readAt: instant,
});
export type Reading = z.input<typeof readingSchema>;

export const consumptionPointSchema = z.object({ period: z.string(), wh: int, readings: int });
export type ConsumptionPoint = z.input<typeof consumptionPointSchema>;

export const billSchema = z.object({
  billId: z.string(),
  propertyId: z.string(),
  period: z.string(),
  meterId: z.string(),
  openingWh: int,
  closingWh: int,
  units: int,
  tariffVersion: int,
  arrearsPaise: int,
  chargesPaise: int,
  totalPaise: int,
  issuedAt: instant,
  dueDate: z.string(),
});
export type Bill = z.input<typeof billSchema>;

export const billLineSchema = z.object({
  code: z.string(),
  label: z.string(),
  quantityWh: int.nullable(),
  ratePaisePerKwh: int.nullable(),
  amountPaise: int,
});
export type BillLine = z.input<typeof billLineSchema>;

export const billDetailSchema = billSchema.extend({ lines: z.array(billLineSchema) });
export type BillDetail = z.input<typeof billDetailSchema>;

export const balanceSchema = z.object({
  balancePaise: int,
  creditPaise: int,
  chargedPaise: int,
  lateFeesPaise: int,
  paidPaise: int,
  creditedPaise: int,
});
export type Balance = z.input<typeof balanceSchema>;

export const paymentSchema = z.object({
  kind: z.enum(['payment', 'credit']),
  reference: z.string().nullable(),
  amountPaise: int,
  method: z.string().nullable(),
  methodReference: z.string().nullable(),
  reason: z.string().nullable(),
  unallocatedPaise: int,
  allocations: z.array(z.object({ billId: z.string(), amountPaise: int })),
  at: instant,
});
export type Payment = z.input<typeof paymentSchema>;

export const checkoutBody = z.strictObject({
  // A path on this site only, so a checkout cannot send the payer elsewhere.
  returnPath: z
    .string()
    .regex(/^\/(?!\/)[A-Za-z0-9/_?=&.-]*$/)
    .max(200)
    .default('/'),
});

export const checkoutSchema = z.object({
  checkoutUrl: z.string(),
  providerReference: z.string(),
  amountPaise: int,
});
export type Checkout = z.input<typeof checkoutSchema>;
