// Wire shapes of the admin dashboard (src/web/routes/admin-*.ts): overview,
// approvals, inventory, regions, bill runs, defaulters, counter payments and
// accounts. Bills, balances and payments are in billing.ts, tickets in tickets.ts.

import { z } from 'zod';
import { ROLES } from '../../domain/account/events.ts';
import { meterKinds } from '../../domain/meter/events.ts';
import { balanceSchema, paymentSchema } from './billing.ts';
import { addressSchema } from './properties.ts';
import { instant, int } from './wire.ts';

export const overviewSchema = z.object({
  pendingApprovals: int,
  approvedProperties: int,
  meters: int,
  metersOnline: int,
  openTickets: int,
  defaulters: int,
  openBillRuns: int,
  /** Integer paise: bill charges issued, payments received, unpaid past due. */
  billedPaise: int,
  collectedPaise: int,
  overduePaise: int,
});
export type Overview = z.input<typeof overviewSchema>;

export const pendingPropertySchema = z.object({
  propertyId: z.string(),
  ownerId: z.string(),
  kind: z.string(),
  city: z.string(),
  state: z.string(),
  pincode: z.string(),
  address: addressSchema.nullable(),
  addedAt: instant,
  gateways: z.array(z.object({ gatewayId: z.string(), name: z.string() })),
});
export type PendingProperty = z.input<typeof pendingPropertySchema>;

export const approveBody = z.strictObject({ gatewayId: z.uuid(), meterId: z.uuid() });
export type ApproveInput = z.input<typeof approveBody>;

export const gatewaySchema = z.object({
  gatewayId: z.string(),
  name: z.string(),
  state: z.string(),
  city: z.string(),
  pincode: z.string(),
  publicKey: z.string(),
  status: z.enum(['enabled', 'disabled']),
});
export type Gateway = z.input<typeof gatewaySchema>;

export const inventoryMeterSchema = z.object({
  meterId: z.string(),
  serial: z.string(),
  kind: z.string(),
  publicKey: z.string(),
  status: z.enum(['enabled', 'disabled']),
  statusReason: z.string().nullable(),
  propertyId: z.string().nullable(),
  gatewayId: z.string().nullable(),
  lastSeq: int.nullable(),
  lastRegisterWh: int.nullable(),
  lastReadAt: instant.nullable(),
  lastSeenAt: instant.nullable(),
  online: z.boolean(),
  tamperAlarms: int,
});
export type InventoryMeter = z.input<typeof inventoryMeterSchema>;

export const publicKeySchema = z
  .string()
  .regex(/^0[23][0-9a-f]{64}$/, 'a compressed secp256k1 key (hex)');

export const addGatewayBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  state: z.string().min(1).max(100),
  city: z.string().min(1).max(100),
  pincode: z.string().regex(/^\d{6}$/),
  publicKey: publicKeySchema,
});
export type AddGatewayInput = z.input<typeof addGatewayBody>;
export const gatewayAddedSchema = z.object({ gatewayId: z.uuid() });
export type GatewayAdded = z.input<typeof gatewayAddedSchema>;

export const addMeterBody = z.strictObject({
  serial: z.string().trim().min(1).max(40),
  publicKey: publicKeySchema,
  kind: z.enum(meterKinds),
});
export type AddMeterInput = z.input<typeof addMeterBody>;
export const meterAddedSchema = z.object({ meterId: z.uuid() });
export type MeterAdded = z.input<typeof meterAddedSchema>;

/** A new key for a gateway or meter. */
export const rotateKeyBody = z.strictObject({ publicKey: publicKeySchema });
export const disableBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export const regionSchema = z.object({
  stateCode: z.string(),
  name: z.string(),
  cities: z.array(
    z.object({ cityId: z.string(), name: z.string(), pincodeFrom: int, pincodeTo: int }),
  ),
});
export type Region = z.input<typeof regionSchema>;

export const stateCodeSchema = z.string().regex(/^[A-Z]{2}$/);
export const addStateBody = z.strictObject({
  stateCode: stateCodeSchema,
  name: z.string().trim().min(1).max(100),
});
export const stateAddedSchema = z.object({ stateCode: z.string() });
export type StateAdded = z.input<typeof stateAddedSchema>;

export const addCityBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  pincodeFrom: z.number().int().min(100000).max(999999),
  pincodeTo: z.number().int().min(100000).max(999999),
});
export type AddCityInput = z.input<typeof addCityBody>;
export const cityAddedSchema = z.object({ cityId: z.uuid() });
export type CityAdded = z.input<typeof cityAddedSchema>;

export const tariffPublishedSchema = z.object({ version: int });
export type TariffPublished = z.input<typeof tariffPublishedSchema>;

export const billRunSchema = z.object({
  runId: z.string(),
  period: z.string(),
  status: z.enum(['open', 'completed']),
  deadline: instant,
  startedAt: instant,
  completedAt: instant.nullable(),
  total: int,
  asked: int,
  answered: int,
  billed: int,
  missed: int,
  skipped: int,
});
export type BillRun = z.input<typeof billRunSchema>;

export const billRunMeterSchema = z.object({
  meterId: z.string(),
  propertyId: z.string(),
  status: z.string(),
  asked: z.boolean(),
  billId: z.string().nullable(),
  skipReason: z.string().nullable(),
});
export type BillRunMeter = z.input<typeof billRunMeterSchema>;

export const billRunDetailSchema = billRunSchema.extend({ meters: z.array(billRunMeterSchema) });
export type BillRunDetail = z.input<typeof billRunDetailSchema>;

export const startBillRunBody = z.strictObject({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM'),
  /** Meters must answer by then; default 30 minutes from now. */
  deadline: z.iso.datetime({ offset: true }).optional(),
});
export const billRunStartedSchema = z.object({ runId: z.uuid(), meters: int });
export type BillRunStarted = z.input<typeof billRunStartedSchema>;
export type StartBillRunInput = z.input<typeof startBillRunBody>;

export const defaulterSchema = z.object({
  propertyId: z.string(),
  ownerId: z.string().nullable(),
  tenantId: z.string().nullable(),
  overduePaise: int,
  overdueBills: int,
  oldestDueDate: z.string(),
  ageDays: int,
});
export type Defaulter = z.input<typeof defaulterSchema>;

export const counterPaymentBody = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('cash'),
    receipt: z.string().trim().min(1).max(60),
    amountPaise: z.number().int().positive(),
    receivedAt: z.iso.datetime({ offset: true }),
  }),
  z.strictObject({
    method: z.enum(['cheque', 'upi']),
    receipt: z.string().trim().min(1).max(60),
    amountPaise: z.number().int().positive(),
    receivedAt: z.iso.datetime({ offset: true }),
    /** Cheque number (6 digits) or UPI UTR/transaction id. */
    methodReference: z.string().trim().min(1).max(35),
  }),
]);
export type CounterPayment = z.input<typeof counterPaymentBody>;

export const counterPaymentRecordedSchema = z.object({
  paymentReference: z.string(),
  recorded: z.boolean(),
});
export type CounterPaymentRecorded = z.input<typeof counterPaymentRecordedSchema>;

export const propertyPaymentsSchema = z.object({
  balance: balanceSchema.nullable(),
  payments: z.array(paymentSchema),
});
export type PropertyPayments = z.input<typeof propertyPaymentsSchema>;

export const accountSchema = z.object({
  accountId: z.string(),
  username: z.string(),
  roles: z.array(z.string()),
  status: z.string(),
  registeredAt: instant,
});
export type Account = z.input<typeof accountSchema>;

export const roleBody = z.strictObject({ role: z.enum(ROLES) });
export type RoleInput = z.input<typeof roleBody>;
export const rolesSchema = z.object({ roles: z.array(z.string()) });
export type Roles = z.input<typeof rolesSchema>;

/** An admin's refusal of a property, with its reason. */
export const rejectBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const approvalSchema = z.object({ status: z.enum(['approved', 'rejected']) });
