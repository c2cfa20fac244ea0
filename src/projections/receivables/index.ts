// Read model `receivables`: per property the balance and its parts, every
// bill charged with what is still owed on it (allocations come decided in
// the events, so nothing is re-allocated here), and the payment and credit
// history. Defaulters are a query over the open bills (queries.ts).

import type { SqlExecutor } from '../../db/sql.ts';
import { receivableEvents, type Allocation } from '../../domain/receivable/events.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { dataReader, streamId } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE receivable_balances (
  property_id text PRIMARY KEY,
  balance_paise bigint NOT NULL DEFAULT 0,
  credit_paise bigint NOT NULL DEFAULT 0,
  charged_paise bigint NOT NULL DEFAULT 0,
  late_fees_paise bigint NOT NULL DEFAULT 0,
  paid_paise bigint NOT NULL DEFAULT 0,
  credited_paise bigint NOT NULL DEFAULT 0
);
CREATE TABLE receivable_bills (
  bill_id text PRIMARY KEY,
  property_id text NOT NULL,
  period text NOT NULL,
  amount_paise bigint NOT NULL,
  late_fee_paise bigint NOT NULL DEFAULT 0,
  remaining_paise bigint NOT NULL,
  due_date date NOT NULL,
  charged_at timestamptz NOT NULL
);
CREATE INDEX receivable_bills_open ON receivable_bills (due_date) WHERE remaining_paise > 0;
CREATE INDEX receivable_bills_property ON receivable_bills (property_id);
CREATE TABLE receivable_payments (
  event_id text PRIMARY KEY,
  property_id text NOT NULL,
  kind text NOT NULL,
  reference text,
  amount_paise bigint NOT NULL,
  method text,
  method_reference text,
  reason text,
  recorded_by text NOT NULL,
  unallocated_paise bigint NOT NULL,
  allocations jsonb NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX receivable_payments_property ON receivable_payments (property_id, at)`;

const d = dataReader(receivableEvents);

/** Adds to the property's totals, creating its row on the first event. */
const addTotals = (
  tx: SqlExecutor,
  e: RecordedEvent,
  t: Partial<Record<'balance' | 'credit' | 'charged' | 'lateFees' | 'paid' | 'credited', number>>,
) =>
  tx.query(
    `INSERT INTO receivable_balances AS r
       (property_id, balance_paise, credit_paise, charged_paise, late_fees_paise, paid_paise, credited_paise)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (property_id) DO UPDATE SET
       balance_paise = r.balance_paise + excluded.balance_paise,
       credit_paise = r.credit_paise + excluded.credit_paise,
       charged_paise = r.charged_paise + excluded.charged_paise,
       late_fees_paise = r.late_fees_paise + excluded.late_fees_paise,
       paid_paise = r.paid_paise + excluded.paid_paise,
       credited_paise = r.credited_paise + excluded.credited_paise`,
    [
      streamId(e),
      t.balance ?? 0,
      t.credit ?? 0,
      t.charged ?? 0,
      t.lateFees ?? 0,
      t.paid ?? 0,
      t.credited ?? 0,
    ],
  );

const allocate = (tx: SqlExecutor, allocations: Allocation[]) =>
  tx.query(
    `UPDATE receivable_bills b SET remaining_paise = b.remaining_paise - a.amount
     FROM unnest($1::text[], $2::bigint[]) AS a(bill_id, amount) WHERE b.bill_id = a.bill_id`,
    [allocations.map((a) => a.billId), allocations.map((a) => a.amountPaise)],
  );

const history = (
  tx: SqlExecutor,
  e: RecordedEvent,
  row: {
    kind: 'payment' | 'credit';
    reference: string | null;
    amount: number;
    method: string | null;
    methodReference: string | null;
    reason: string | null;
    recordedBy: string;
    unallocated: number;
    allocations: Allocation[];
    at: string;
  },
) =>
  tx.query(
    `INSERT INTO receivable_payments (event_id, property_id, kind, reference, amount_paise, method,
       method_reference, reason, recorded_by, unallocated_paise, allocations, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (event_id) DO NOTHING`,
    [
      e.id,
      streamId(e),
      row.kind,
      row.reference,
      row.amount,
      row.method,
      row.methodReference,
      row.reason,
      row.recordedBy,
      row.unallocated,
      JSON.stringify(row.allocations),
      row.at,
    ],
  );

export const receivablesProjection: Projection = {
  name: 'receivables',
  version: 1,
  schemaSql,
  tables: ['receivable_balances', 'receivable_bills', 'receivable_payments'],
  handlers: {
    BillCharged: async (tx, e) => {
      const c = d('BillCharged', e);
      await tx.query(
        `INSERT INTO receivable_bills (bill_id, property_id, period, amount_paise, remaining_paise, due_date, charged_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (bill_id) DO NOTHING`,
        [
          c.billId,
          streamId(e),
          c.period,
          c.amountPaise,
          c.amountPaise - c.settledFromCreditPaise,
          c.dueDate,
          c.chargedAt,
        ],
      );
      await addTotals(tx, e, {
        balance: c.amountPaise,
        credit: -c.settledFromCreditPaise,
        charged: c.amountPaise,
      });
    },
    PaymentReceived: async (tx, e) => {
      const p = d('PaymentReceived', e);
      await allocate(tx, p.allocations);
      await addTotals(tx, e, {
        balance: -p.amountPaise,
        credit: p.unallocatedPaise,
        paid: p.amountPaise,
      });
      await history(tx, e, {
        kind: 'payment',
        reference: p.paymentReference,
        amount: p.amountPaise,
        method: p.method,
        methodReference: p.methodReference,
        reason: null,
        recordedBy: p.recordedBy,
        unallocated: p.unallocatedPaise,
        allocations: p.allocations,
        at: p.receivedAt,
      });
    },
    LateFeeApplied: async (tx, e) => {
      const f = d('LateFeeApplied', e);
      await tx.query(
        `UPDATE receivable_bills SET late_fee_paise = $2, remaining_paise = remaining_paise + $2 WHERE bill_id = $1`,
        [f.billId, f.lateFeePaise],
      );
      await addTotals(tx, e, { balance: f.lateFeePaise, lateFees: f.lateFeePaise });
    },
    CreditApplied: async (tx, e) => {
      const c = d('CreditApplied', e);
      await allocate(tx, c.allocations);
      await addTotals(tx, e, {
        balance: -c.amountPaise,
        credit: c.unallocatedPaise,
        credited: c.amountPaise,
      });
      await history(tx, e, {
        kind: 'credit',
        reference: null,
        amount: c.amountPaise,
        method: null,
        methodReference: null,
        reason: c.reason,
        recordedBy: c.approvedBy,
        unallocated: c.unallocatedPaise,
        allocations: c.allocations,
        at: c.appliedAt,
      });
    },
  },
};
