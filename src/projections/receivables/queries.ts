// Queries over the `receivables` read model: balance and history of one
// property, and the defaulters list (properties with bills unpaid past their
// due date, with the overdue amount and how long the oldest has been due).

import type { SqlExecutor } from '../../db/sql.ts';
import { memberCondition } from '../properties/index.ts';

export interface BalanceRow {
  propertyId: string;
  balancePaise: number;
  creditPaise: number;
  chargedPaise: number;
  lateFeesPaise: number;
  paidPaise: number;
  creditedPaise: number;
}

/** With `memberId`: null also when that account neither owns nor rents the property. */
export async function balanceOf(
  db: SqlExecutor,
  propertyId: string,
  memberId?: string,
): Promise<BalanceRow | null> {
  const member = memberId === undefined ? '' : ` AND ${memberCondition('$1', '$2')}`;
  const { rows } = await db.query<BalanceRow>(
    `SELECT property_id AS "propertyId", balance_paise AS "balancePaise", credit_paise AS "creditPaise",
       charged_paise AS "chargedPaise", late_fees_paise AS "lateFeesPaise", paid_paise AS "paidPaise",
       credited_paise AS "creditedPaise"
     FROM read.receivable_balances WHERE property_id = $1${member}`,
    memberId === undefined ? [propertyId] : [propertyId, memberId],
  );
  return rows[0] ?? null;
}

export interface PaymentRow {
  kind: 'payment' | 'credit';
  reference: string | null;
  amountPaise: number;
  method: string | null;
  methodReference: string | null;
  reason: string | null;
  recordedBy: string;
  unallocatedPaise: number;
  allocations: { billId: string; amountPaise: number }[];
  at: Date;
}

/** Payments and credits of a property, newest first. */
export async function paymentHistory(db: SqlExecutor, propertyId: string): Promise<PaymentRow[]> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT kind, reference, amount_paise AS "amountPaise", method, method_reference AS "methodReference",
       reason, recorded_by AS "recordedBy", unallocated_paise AS "unallocatedPaise", allocations, at
     FROM read.receivable_payments WHERE property_id = $1 ORDER BY at DESC, event_id`,
    [propertyId],
  );
  return rows;
}

export interface DefaulterRow {
  propertyId: string;
  ownerId: string | null;
  tenantId: string | null;
  overduePaise: number;
  overdueBills: number;
  oldestDueDate: string;
  /** Days from the oldest unpaid due date to `asOf`. */
  ageDays: number;
}

/**
 * Properties owing money on bills whose due date is before `asOf`
 * (YYYY-MM-DD), largest overdue amount first.
 */
export async function defaulters(
  db: SqlExecutor,
  asOf: string,
  minAgeDays = 0,
): Promise<DefaulterRow[]> {
  const { rows } = await db.query<DefaulterRow>(
    `SELECT b.property_id AS "propertyId", p.owner_id AS "ownerId", p.tenant_id AS "tenantId",
       sum(b.remaining_paise)::bigint AS "overduePaise", count(*)::integer AS "overdueBills",
       to_char(min(b.due_date), 'YYYY-MM-DD') AS "oldestDueDate",
       ($1::date - min(b.due_date))::integer AS "ageDays"
     FROM read.receivable_bills b LEFT JOIN read.properties p ON p.property_id = b.property_id
     WHERE b.remaining_paise > 0 AND b.due_date < $1::date
     GROUP BY b.property_id, p.owner_id, p.tenant_id
     HAVING ($1::date - min(b.due_date)) >= $2
     ORDER BY "overduePaise" DESC, b.property_id`,
    [asOf, minAgeDays],
  );
  return rows;
}
