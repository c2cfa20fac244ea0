// Typed calls for the admin dashboard (src/web/routes/admin-*.ts). The shapes
// are the routes' own zod schemas (src/web/schemas/), imported as types only.

import type {
  Account,
  AddCityInput,
  AddGatewayInput,
  AddMeterInput,
  ApproveInput,
  BillRun,
  BillRunDetail,
  BillRunMeter,
  BillRunStarted,
  CityAdded,
  CounterPayment,
  CounterPaymentRecorded,
  Defaulter,
  Gateway,
  GatewayAdded,
  InventoryMeter,
  MeterAdded,
  Overview,
  PendingProperty,
  PropertyPayments,
  Region,
  Roles,
  StateAdded,
  TariffPublished,
} from '../../../src/web/schemas/admin.ts';
import type { Done, StatusAnswer } from '../../../src/web/schemas/wire.ts';
import { api, type Api } from './api.ts';
import type { Bill, BillLine, PropertyKind } from './portal-api.ts';
import type { CalculatedBill, TariffVersion } from './tariff.ts';
import type { Ticket, TicketDetail } from './tickets-api.ts';

export type {
  Account,
  BillLine,
  BillRun,
  BillRunDetail,
  BillRunMeter,
  CounterPayment,
  Defaulter,
  Gateway,
  InventoryMeter,
  Overview,
  PendingProperty,
  Region,
};
const enc = encodeURIComponent;

export const adminApi = (client: Api = api) => ({
  overview: () => client.get<Overview>('/api/admin/overview'),
  approvals: () => client.get<PendingProperty[]>('/api/admin/approvals'),
  approve: (propertyId: string, body: ApproveInput) =>
    client.post<StatusAnswer<'approved'>>(`/api/admin/properties/${enc(propertyId)}/approve`, body),
  reject: (propertyId: string, reason: string) =>
    client.post<StatusAnswer<'rejected'>>(`/api/admin/properties/${enc(propertyId)}/reject`, {
      reason,
    }),
  gateways: () => client.get<Gateway[]>('/api/admin/gateways'),
  meters: (query: { free?: boolean } = {}) =>
    client.get<InventoryMeter[]>(`/api/admin/meters${query.free ? '?free=true' : ''}`),
  addGateway: (body: AddGatewayInput) => client.post<GatewayAdded>('/api/admin/gateways', body),
  addMeter: (body: AddMeterInput) => client.post<MeterAdded>('/api/admin/meters', body),
  regions: () => client.get<Region[]>('/api/admin/regions'),
  addState: (stateCode: string, name: string) =>
    client.post<StateAdded>('/api/admin/regions', { stateCode, name }),
  addCity: (stateCode: string, body: AddCityInput) =>
    client.post<CityAdded>(`/api/admin/regions/${enc(stateCode)}/cities`, body),
  rotateKey: (what: 'meters' | 'gateways', id: string, publicKey: string) =>
    client.post<Done>(`/api/admin/${what}/${enc(id)}/rotate-key`, { publicKey }),
  meterAction: (meterId: string, action: 'disable' | 'enable', reason?: string) =>
    client.post<Done>(
      `/api/admin/meters/${enc(meterId)}/${action}`,
      action === 'disable' ? { reason } : undefined,
    ),
  gatewayAction: (gatewayId: string, action: 'disable' | 'enable', reason?: string) =>
    client.post<Done>(
      `/api/admin/gateways/${enc(gatewayId)}/${action}`,
      action === 'disable' ? { reason } : undefined,
    ),
  tariffs: (kind: PropertyKind) => client.get<TariffVersion[]>(`/api/admin/tariffs/${kind}`),
  publishTariff: (kind: PropertyKind, terms: TariffVersion) =>
    client.post<TariffPublished>(`/api/admin/tariffs/${kind}`, terms),
  billRuns: () => client.get<BillRun[]>('/api/admin/bill-runs'),
  billRun: (runId: string) => client.get<BillRunDetail>(`/api/admin/bill-runs/${enc(runId)}`),
  startBillRun: (period: string, deadline: string, idempotencyKey: string) =>
    client.post<BillRunStarted>('/api/admin/bill-runs', { period, deadline }, { idempotencyKey }),
  bills: (query: { period?: string; propertyId?: string } = {}) =>
    client.get<Bill[]>(`/api/admin/bills?${new URLSearchParams(query)}`),
  propertyPayments: (propertyId: string) =>
    client.get<PropertyPayments>(`/api/admin/properties/${enc(propertyId)}/payments`),
  recordPayment: (propertyId: string, body: CounterPayment) =>
    client.post<CounterPaymentRecorded>(`/api/admin/properties/${enc(propertyId)}/payments`, body),
  defaulters: (sort: 'amount' | 'age') =>
    client.get<Defaulter[]>(`/api/admin/defaulters?sort=${sort}`),
  tickets: () => client.get<Ticket[]>('/api/admin/tickets'),
  ticket: (id: string) => client.get<TicketDetail>(`/api/admin/tickets/${enc(id)}`),
  ticketAction: (
    id: string,
    action: 'assign' | 'comments' | 'acknowledge' | 'resolve',
    body: object = {},
  ) => client.post<Done>(`/api/admin/tickets/${enc(id)}/${action}`, body),
  accounts: () => client.get<Account[]>('/api/admin/accounts'),
  setRole: (accountId: string, role: string, grant: boolean) =>
    client.post<Roles>(
      `/api/admin/accounts/${enc(accountId)}/roles/${grant ? 'grant' : 'revoke'}`,
      { role },
    ),
});

export type PreviewedBill = CalculatedBill;
