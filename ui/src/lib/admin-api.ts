// Typed calls for the admin dashboard (mirrors src/web/routes/admin-*.ts).

import { api, type Api } from './api.ts';
import type { Address, Balance, Bill, BillLine, Payment, PropertyKind } from './portal-api.ts';
import type { CalculatedBill, TariffVersion } from './tariff.ts';
import type { Ticket, TicketDetail } from './tickets-api.ts';

export interface Overview {
  pendingApprovals: number;
  approvedProperties: number;
  meters: number;
  metersOnline: number;
  openTickets: number;
  defaulters: number;
  openBillRuns: number;
  /** Integer paise: bill charges issued, payments received, unpaid past due. */
  billedPaise: number;
  collectedPaise: number;
  overduePaise: number;
}

export interface PendingProperty {
  propertyId: string;
  ownerId: string;
  kind: string;
  city: string;
  state: string;
  pincode: string;
  address: Address | null;
  addedAt: string;
  gateways: { gatewayId: string; name: string }[];
}

export interface Gateway {
  gatewayId: string;
  name: string;
  state: string;
  city: string;
  pincode: string;
  publicKey: string;
  status: 'enabled' | 'disabled';
}

export interface InventoryMeter {
  meterId: string;
  serial: string;
  kind: string;
  publicKey: string;
  status: 'enabled' | 'disabled';
  statusReason: string | null;
  propertyId: string | null;
  gatewayId: string | null;
  lastSeq: number | null;
  lastRegisterWh: number | null;
  online: boolean;
}

export interface BillRun {
  runId: string;
  period: string;
  status: 'open' | 'completed';
  deadline: string;
  startedAt: string;
  completedAt: string | null;
  total: number;
  asked: number;
  answered: number;
  billed: number;
  missed: number;
  skipped: number;
}

export interface BillRunMeter {
  meterId: string;
  propertyId: string;
  status: string;
  asked: boolean;
  billId: string | null;
  skipReason: string | null;
}

export interface Defaulter {
  propertyId: string;
  ownerId: string | null;
  tenantId: string | null;
  overduePaise: number;
  overdueBills: number;
  oldestDueDate: string;
  ageDays: number;
}

export type CounterPayment =
  | { method: 'cash'; receipt: string; amountPaise: number; receivedAt: string }
  | {
      method: 'cheque' | 'upi';
      receipt: string;
      amountPaise: number;
      receivedAt: string;
      methodReference: string;
    };

export interface Account {
  accountId: string;
  username: string;
  roles: string[];
  status: string;
  registeredAt: string;
}

export interface Region {
  stateCode: string;
  name: string;
  cities: { cityId: string; name: string; pincodeFrom: number; pincodeTo: number }[];
}

export type { BillLine };
const enc = encodeURIComponent;

export const adminApi = (client: Api = api) => ({
  overview: () => client.get<Overview>('/api/admin/overview'),
  approvals: () => client.get<PendingProperty[]>('/api/admin/approvals'),
  approve: (propertyId: string, body: { gatewayId: string; meterId: string }) =>
    client.post<{ status: 'approved' }>(`/api/admin/properties/${enc(propertyId)}/approve`, body),
  reject: (propertyId: string, reason: string) =>
    client.post<{ status: 'rejected' }>(`/api/admin/properties/${enc(propertyId)}/reject`, {
      reason,
    }),
  gateways: () => client.get<Gateway[]>('/api/admin/gateways'),
  meters: (query: { free?: boolean } = {}) =>
    client.get<InventoryMeter[]>(`/api/admin/meters${query.free ? '?free=true' : ''}`),
  addGateway: (body: {
    name: string;
    state: string;
    city: string;
    pincode: string;
    publicKey: string;
  }) => client.post<{ gatewayId: string }>('/api/admin/gateways', body),
  addMeter: (body: { serial: string; kind: 'single-phase' | 'three-phase'; publicKey: string }) =>
    client.post<{ meterId: string }>('/api/admin/meters', body),
  regions: () => client.get<Region[]>('/api/admin/regions'),
  addState: (stateCode: string, name: string) =>
    client.post<{ stateCode: string }>('/api/admin/regions', { stateCode, name }),
  addCity: (stateCode: string, body: { name: string; pincodeFrom: number; pincodeTo: number }) =>
    client.post<{ cityId: string }>(`/api/admin/regions/${enc(stateCode)}/cities`, body),
  rotateKey: (what: 'meters' | 'gateways', id: string, publicKey: string) =>
    client.post<{ status: 'done' }>(`/api/admin/${what}/${enc(id)}/rotate-key`, { publicKey }),
  meterAction: (meterId: string, action: 'disable' | 'enable', reason?: string) =>
    client.post<{ status: 'done' }>(
      `/api/admin/meters/${enc(meterId)}/${action}`,
      action === 'disable' ? { reason } : undefined,
    ),
  gatewayAction: (gatewayId: string, action: 'disable' | 'enable', reason?: string) =>
    client.post<{ status: 'done' }>(
      `/api/admin/gateways/${enc(gatewayId)}/${action}`,
      action === 'disable' ? { reason } : undefined,
    ),
  tariffs: (kind: PropertyKind) => client.get<TariffVersion[]>(`/api/admin/tariffs/${kind}`),
  publishTariff: (kind: PropertyKind, terms: TariffVersion) =>
    client.post<{ version: number }>(`/api/admin/tariffs/${kind}`, terms),
  billRuns: () => client.get<BillRun[]>('/api/admin/bill-runs'),
  billRun: (runId: string) =>
    client.get<BillRun & { meters: BillRunMeter[] }>(`/api/admin/bill-runs/${enc(runId)}`),
  startBillRun: (period: string, deadline: string, idempotencyKey: string) =>
    client.post<{ runId: string; meters: number }>(
      '/api/admin/bill-runs',
      { period, deadline },
      { idempotencyKey },
    ),
  bills: (query: { period?: string; propertyId?: string } = {}) =>
    client.get<Bill[]>(`/api/admin/bills?${new URLSearchParams(query)}`),
  propertyPayments: (propertyId: string) =>
    client.get<{ balance: Balance | null; payments: Payment[] }>(
      `/api/admin/properties/${enc(propertyId)}/payments`,
    ),
  recordPayment: (propertyId: string, body: CounterPayment) =>
    client.post<{ paymentReference: string; recorded: boolean }>(
      `/api/admin/properties/${enc(propertyId)}/payments`,
      body,
    ),
  defaulters: (sort: 'amount' | 'age') =>
    client.get<Defaulter[]>(`/api/admin/defaulters?sort=${sort}`),
  tickets: () => client.get<Ticket[]>('/api/admin/tickets'),
  ticket: (id: string) => client.get<TicketDetail>(`/api/admin/tickets/${enc(id)}`),
  ticketAction: (
    id: string,
    action: 'assign' | 'comments' | 'acknowledge' | 'resolve',
    body: object = {},
  ) => client.post<{ status: 'done' }>(`/api/admin/tickets/${enc(id)}/${action}`, body),
  accounts: () => client.get<Account[]>('/api/admin/accounts'),
  setRole: (accountId: string, role: string, grant: boolean) =>
    client.post<{ roles: string[] }>(
      `/api/admin/accounts/${enc(accountId)}/roles/${grant ? 'grant' : 'revoke'}`,
      { role },
    ),
});

export type PreviewedBill = CalculatedBill;
