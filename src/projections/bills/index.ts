// Read model `bills`: every issued bill, itemised (one row per line), by
// property and period, for the portal's bill page and printable PDF.

import type { SqlExecutor } from '../../db/sql.ts';
import { billEvents } from '../../domain/billing/events.ts';
import { dataReader } from '../events.ts';
import { memberCondition } from '../properties/index.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE bills (
  bill_id text PRIMARY KEY,
  property_id text NOT NULL,
  period text NOT NULL,
  owner_id text NOT NULL,
  tenant_id text,
  meter_id text NOT NULL,
  opening_wh bigint NOT NULL,
  closing_wh bigint NOT NULL,
  opening_read_at timestamptz NOT NULL,
  closing_read_at timestamptz NOT NULL,
  opening_reading_event_id text NOT NULL,
  closing_reading_event_id text NOT NULL,
  units bigint NOT NULL,
  tariff_kind text NOT NULL,
  tariff_version integer NOT NULL,
  arrears_paise bigint NOT NULL,
  missed_periods integer NOT NULL,
  total_paise bigint NOT NULL,
  charges_paise bigint NOT NULL,
  issued_at timestamptz NOT NULL,
  due_date date NOT NULL,
  run_id text
);
CREATE INDEX bills_property ON bills (property_id, period);
CREATE TABLE bill_lines (
  bill_id text NOT NULL,
  line_no integer NOT NULL,
  code text NOT NULL,
  label text NOT NULL,
  quantity_wh bigint,
  rate_paise_per_kwh integer,
  amount_paise bigint NOT NULL,
  PRIMARY KEY (bill_id, line_no)
)`;

const d = dataReader(billEvents);

export const billsProjection: Projection = {
  name: 'bills',
  version: 1,
  schemaSql,
  tables: ['bills', 'bill_lines'],
  handlers: {
    BillIssued: async (tx, e) => {
      const b = d('BillIssued', e);
      await tx.query(
        `INSERT INTO bills (bill_id, property_id, period, owner_id, tenant_id, meter_id, opening_wh, closing_wh,
           opening_read_at, closing_read_at, opening_reading_event_id, closing_reading_event_id, units,
           tariff_kind, tariff_version, arrears_paise, missed_periods, total_paise, charges_paise,
           issued_at, due_date, run_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
         ON CONFLICT (bill_id) DO NOTHING`,
        [
          b.billId,
          b.propertyId,
          b.period,
          b.ownerAccountId,
          b.tenantAccountId,
          b.meterId,
          b.openingWh,
          b.closingWh,
          b.openingReadAt,
          b.closingReadAt,
          b.openingReadingEventId,
          b.closingReadingEventId,
          b.units,
          b.tariffKind,
          b.tariffVersion,
          b.arrearsPaise,
          b.missedPeriods,
          b.totalPaise,
          b.chargesPaise,
          b.issuedAt,
          b.dueDate,
          b.runId,
        ],
      );
      await tx.query(
        `INSERT INTO bill_lines (bill_id, line_no, code, label, quantity_wh, rate_paise_per_kwh, amount_paise)
         SELECT $1, n, code, label, q, r, a
         FROM unnest($2::text[], $3::text[], $4::bigint[], $5::integer[], $6::bigint[])
           WITH ORDINALITY AS l(code, label, q, r, a, n)
         ON CONFLICT (bill_id, line_no) DO NOTHING`,
        [
          b.billId,
          b.lines.map((l) => l.code),
          b.lines.map((l) => l.label),
          b.lines.map((l) => l.quantityWh),
          b.lines.map((l) => l.ratePaisePerKwh),
          b.lines.map((l) => l.amountPaise),
        ],
      );
    },
  },
};

export interface BillLineRow {
  code: string;
  label: string;
  quantityWh: number | null;
  ratePaisePerKwh: number | null;
  amountPaise: number;
}

export interface BillRow {
  billId: string;
  propertyId: string;
  period: string;
  ownerId: string;
  tenantId: string | null;
  meterId: string;
  openingWh: number;
  closingWh: number;
  units: number;
  tariffVersion: number;
  arrearsPaise: number;
  totalPaise: number;
  chargesPaise: number;
  issuedAt: Date;
  dueDate: string;
  runId: string | null;
}

const SELECT = `SELECT bill_id AS "billId", property_id AS "propertyId", period, owner_id AS "ownerId",
  tenant_id AS "tenantId", meter_id AS "meterId", opening_wh AS "openingWh", closing_wh AS "closingWh",
  units, tariff_version AS "tariffVersion", arrears_paise AS "arrearsPaise", total_paise AS "totalPaise",
  charges_paise AS "chargesPaise", issued_at AS "issuedAt", to_char(due_date, 'YYYY-MM-DD') AS "dueDate",
  run_id AS "runId" FROM read.bills`;

/** A property's bills, newest period first; with `memberId`, none unless that account owns or rents it. */
export async function billsOf(
  db: SqlExecutor,
  propertyId: string,
  memberId?: string,
): Promise<BillRow[]> {
  const member = memberId === undefined ? '' : ` AND ${memberCondition('$1', '$2')}`;
  const { rows } = await db.query<BillRow>(
    `${SELECT} WHERE property_id = $1${member} ORDER BY period DESC`,
    memberId === undefined ? [propertyId] : [propertyId, memberId],
  );
  return rows;
}

/** One bill with its lines in bill order. */
export async function getBill(
  db: SqlExecutor,
  billId: string,
): Promise<(BillRow & { lines: BillLineRow[] }) | null> {
  const { rows } = await db.query<BillRow>(`${SELECT} WHERE bill_id = $1`, [billId]);
  if (!rows[0]) return null;
  const lines = await db.query<BillLineRow>(
    `SELECT code, label, quantity_wh AS "quantityWh", rate_paise_per_kwh AS "ratePaisePerKwh",
       amount_paise AS "amountPaise" FROM read.bill_lines WHERE bill_id = $1 ORDER BY line_no`,
    [billId],
  );
  return { ...rows[0], lines: lines.rows };
}
