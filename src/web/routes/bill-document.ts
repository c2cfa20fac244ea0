// A bill as a printable HTML page and as a PDF: the same content (parties,
// period, readings, every line, total, due date), money shown in rupees from
// integer paise. All text in the HTML is escaped; the PDF is drawn with
// pdfkit's built-in Helvetica, so "Rs." stands in for the rupee sign.

import PDFDocument from 'pdfkit';
import type { BillLineRow, BillRow } from '../../projections/bills/index.ts';
import type { OpenedAddress } from '../personal-data.ts';

export type BillDocument = BillRow & { lines: BillLineRow[]; address: OpenedAddress | null };

/** Paise as rupees with two decimals, grouped the Indian way (1,23,456.78). */
export function rupees(paise: number): string {
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(paise));
  const whole = Math.floor(abs / 100).toString();
  const last3 = whole.slice(-3);
  const rest = whole.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ',');
  return `${sign}${rest ? `${rest},${last3}` : last3}.${String(abs % 100).padStart(2, '0')}`;
}

const kwh = (wh: number) => (wh / 1000).toFixed(3);

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const addressLine = (a: OpenedAddress | null) =>
  a ? `${a.houseNo}, ${a.building}, ${a.street}, ${a.city}, ${a.state} ${a.pincode}` : '';

export function billHtml(bill: BillDocument): string {
  const rows = bill.lines
    .map(
      (l) =>
        `<tr><td>${escape(l.label)}</td><td>${l.quantityWh === null ? '' : kwh(Number(l.quantityWh))}</td>` +
        `<td>${l.ratePaisePerKwh === null ? '' : rupees(Number(l.ratePaisePerKwh))}</td>` +
        `<td class="n">${rupees(Number(l.amountPaise))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bill ${escape(bill.billId)}</title>
<style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto}table{width:100%;border-collapse:collapse}
td,th{border-bottom:1px solid #ccc;padding:.3rem;text-align:left}.n{text-align:right}</style></head>
<body><h1>Electricity bill ${escape(bill.period)}</h1>
<p>Bill ${escape(bill.billId)}<br>${escape(addressLine(bill.address))}<br>Meter ${escape(bill.meterId)}</p>
<p>Readings: ${kwh(Number(bill.openingWh))} kWh to ${kwh(Number(bill.closingWh))} kWh; units ${kwh(Number(bill.units))} kWh; tariff version ${bill.tariffVersion}</p>
<table><thead><tr><th>Item</th><th>kWh</th><th>Rate (₹/kWh)</th><th class="n">Amount (₹)</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="3">Total</th><th class="n">${rupees(Number(bill.totalPaise))}</th></tr></tfoot></table>
<p>Due by ${escape(bill.dueDate)}</p></body></html>`;
}

export function billPdf(bill: BillDocument): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Bill ${bill.billId}` } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.fontSize(18).text(`Electricity bill ${bill.period}`);
  doc.moveDown(0.5).fontSize(10).text(`Bill ${bill.billId}`);
  if (bill.address) doc.text(addressLine(bill.address));
  doc.text(`Meter ${bill.meterId}; tariff version ${bill.tariffVersion}`);
  doc.text(
    `Readings ${kwh(Number(bill.openingWh))} to ${kwh(Number(bill.closingWh))} kWh; units ${kwh(Number(bill.units))} kWh`,
  );
  doc.moveDown();
  for (const line of bill.lines)
    doc.text(`${line.label}`, { continued: true }).text(`Rs. ${rupees(Number(line.amountPaise))}`, {
      align: 'right',
    });
  doc.moveDown().fontSize(12).text('Total', { continued: true });
  doc.text(`Rs. ${rupees(Number(bill.totalPaise))}`, { align: 'right' });
  doc.moveDown().fontSize(10).text(`Due by ${bill.dueDate}`);
  doc.end();
  return finished;
}
