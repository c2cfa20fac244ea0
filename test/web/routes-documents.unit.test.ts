// Pure pieces of the resource routes: rupee formatting from paise (Indian
// digit grouping, negatives), the printable bill escaping whatever text it
// shows, the PDF being a PDF, and the live feed sending a topic only when it
// changed and only while someone listens.

import { describe, expect, it, vi } from 'vitest';
import type { SqlExecutor } from '../../src/db/sql.ts';
import { createLiveFeed, type LiveMessage } from '../../src/web/live/feed.ts';
import {
  billHtml,
  billPdf,
  rupees,
  type BillDocument,
} from '../../src/web/routes/bill-document.ts';

const bill: BillDocument = {
  billId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76_2026-02',
  propertyId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76',
  period: '2026-02',
  ownerId: 'o',
  tenantId: null,
  meterId: 'm-1',
  openingWh: 1_000,
  closingWh: 151_000,
  units: 150_000,
  tariffVersion: 1,
  arrearsPaise: 0,
  totalPaise: 99_500,
  chargesPaise: 99_500,
  issuedAt: new Date('2026-03-01T00:00:00Z'),
  dueDate: '2026-03-16',
  runId: null,
  lines: [
    {
      code: 'energy',
      label: '<script>alert(1)</script>',
      quantityWh: 150_000,
      ratePaisePerKwh: 500,
      amountPaise: 99_500,
    },
  ],
  address: {
    houseNo: '12B',
    building: 'A & B "Court"',
    street: 'FC Road',
    city: 'Pune',
    state: 'MH',
    pincode: '411001',
  },
};

describe('bill documents', () => {
  it('formats paise as rupees with Indian grouping', () => {
    expect(rupees(0)).toBe('0.00');
    expect(rupees(5)).toBe('0.05');
    expect(rupees(99_500)).toBe('995.00');
    expect(rupees(12_345_678)).toBe('1,23,456.78');
    expect(rupees(1_000_000_000_01)).toBe('1,00,00,00,000.01');
    expect(rupees(-250)).toBe('-2.50');
  });

  it('escapes every piece of text in the printable bill', () => {
    const html = billHtml(bill);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('A &amp; B &quot;Court&quot;');
    expect(html).toContain('995.00');
    expect(html).toContain('Due by 2026-03-16');
  });

  it('renders a PDF', async () => {
    const pdf = await billPdf(bill);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(500);
  });
});

describe('live feed', () => {
  /** A read database whose meter count the test sets. */
  function fakeDb(state: { meters: number }): SqlExecutor {
    return {
      query: vi.fn(async (sql: string) => {
        if (sql.includes('read.meters')) return { rows: [{ total: state.meters, online: 0 }] };
        return { rows: [] };
      }),
    } as unknown as SqlExecutor;
  }

  it('sends each topic once, then only on change, and stops polling with no listeners', async () => {
    vi.useFakeTimers();
    const state = { meters: 1 };
    const db = fakeDb(state);
    const feed = createLiveFeed(db, { pollMs: 100 });
    const got: LiveMessage[] = [];
    const unsubscribe = feed.subscribe((m) => got.push(m));
    await vi.advanceTimersByTimeAsync(0);
    expect(got.map((m) => m.topic).sort()).toEqual(['billruns', 'meters', 'tickets']);
    await vi.advanceTimersByTimeAsync(300);
    expect(got).toHaveLength(3);
    state.meters = 2;
    await vi.advanceTimersByTimeAsync(100);
    expect(got.at(-1)).toEqual({ topic: 'meters', data: { total: 2, online: 0 } });
    expect(got).toHaveLength(4);
    unsubscribe();
    const calls = (db.query as ReturnType<typeof vi.fn>).mock.calls.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect((db.query as ReturnType<typeof vi.fn>).mock.calls.length).toBe(calls);
    feed.stop();
    vi.useRealTimers();
  });
});
