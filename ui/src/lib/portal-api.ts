// Typed calls for the customer portal: properties, tenancy, meter data and
// bills (mirrors src/web/routes/properties.ts, tenancy.ts, meters.ts, bills.ts).

import { api, type Api } from './api.ts';

export type PropertyKind = 'residential' | 'commercial';
export type PropertyStatus = 'pending' | 'approved' | 'rejected' | 'disabled' | 'deactivated';

export interface MeterStatus {
  meterId: string;
  serial: string;
  status: 'enabled' | 'disabled';
  online: boolean;
  lastSeenAt: string | null;
  lastReadAt: string | null;
  lastRegisterWh: number | null;
}

export interface Address {
  houseNo: string;
  building: string;
  street: string;
  city: string;
  state: string;
  pincode: string;
}

export interface Property {
  propertyId: string;
  role: 'owner' | 'tenant';
  ownerId: string;
  tenantId: string | null;
  status: PropertyStatus;
  statusReason: string | null;
  kind: PropertyKind;
  city: string;
  state: string;
  pincode: string;
  missedPeriod: string | null;
  addedAt: string;
  meter: MeterStatus | null;
}

export interface PropertyDetail extends Property {
  address: Address | null;
  openInvitation: { invitationId: string; tenantId: string; expiresAt: string } | null;
}

export interface ContactCard {
  accountId: string;
  username: string;
  name: string;
  email: string;
  mobile: string;
}

export interface Invitation {
  invitationId: string;
  propertyId: string;
  city: string;
  pincode: string;
  owner: ContactCard | null;
  invitedAt: string;
  expiresAt: string;
}

export interface Reading {
  eventId: string;
  seq: number;
  registerWh: number;
  deltaWh: number;
  readAt: string;
}

export interface ConsumptionPoint {
  period: string;
  wh: number;
  readings: number;
}

export interface Bill {
  billId: string;
  propertyId: string;
  period: string;
  meterId: string;
  openingWh: number;
  closingWh: number;
  units: number;
  tariffVersion: number;
  arrearsPaise: number;
  chargesPaise: number;
  totalPaise: number;
  issuedAt: string;
  dueDate: string;
}

export interface BillLine {
  code: string;
  label: string;
  quantityWh: number | null;
  ratePaisePerKwh: number | null;
  amountPaise: number;
}

export interface Balance {
  balancePaise: number;
  creditPaise: number;
  chargedPaise: number;
  lateFeesPaise: number;
  paidPaise: number;
  creditedPaise: number;
}

export interface Payment {
  kind: 'payment' | 'credit';
  reference: string | null;
  amountPaise: number;
  method: string | null;
  methodReference: string | null;
  reason: string | null;
  unallocatedPaise: number;
  allocations: { billId: string; amountPaise: number }[];
  at: string;
}

export type Done = { status: 'done' };
const enc = encodeURIComponent;

export const portalApi = (client: Api = api) => ({
  properties: () => client.get<Property[]>('/api/properties'),
  property: (id: string) => client.get<PropertyDetail>(`/api/properties/${enc(id)}`),
  addProperty: (body: { kind: PropertyKind; address: Address }, idempotencyKey: string) =>
    client.post<{ propertyId: string; status: 'pending' }>('/api/properties', body, {
      idempotencyKey,
    }),
  contacts: (id: string) =>
    client.get<{ owner: ContactCard | null; tenant: ContactCard | null }>(
      `/api/properties/${enc(id)}/contacts`,
    ),
  invite: (id: string, body: { username: string; mobile: string }) =>
    client.post<{ invitationId: string }>(`/api/properties/${enc(id)}/invitations`, body),
  invitations: () => client.get<Invitation[]>('/api/invitations'),
  invitationAction: (
    propertyId: string,
    invitationId: string,
    action: 'accept' | 'decline' | 'revoke',
  ) =>
    client.post<Done>(
      `/api/properties/${enc(propertyId)}/invitations/${enc(invitationId)}/${action}`,
    ),
  removeTenant: (id: string) => client.post<Done>(`/api/properties/${enc(id)}/tenant/remove`),
  leave: (id: string) => client.post<Done>(`/api/properties/${enc(id)}/leave`),
  readings: (id: string, limit = 200) =>
    client.get<Reading[]>(`/api/properties/${enc(id)}/readings?limit=${limit}`),
  consumption: (id: string, granularity: 'daily' | 'monthly') =>
    client.get<ConsumptionPoint[]>(
      `/api/properties/${enc(id)}/consumption?granularity=${granularity}`,
    ),
  bills: (id: string) => client.get<Bill[]>(`/api/properties/${enc(id)}/bills`),
  balance: (id: string) => client.get<Balance>(`/api/properties/${enc(id)}/balance`),
  payments: (id: string) => client.get<Payment[]>(`/api/properties/${enc(id)}/payments`),
  checkout: (billId: string, returnPath: string) =>
    client.post<{ checkoutUrl: string; providerReference: string; amountPaise: number }>(
      `/api/bills/${enc(billId)}/checkout`,
      { returnPath },
    ),
  bill: (billId: string) => client.get<Bill & { lines: BillLine[] }>(`/api/bills/${enc(billId)}`),
});

export const billPrintUrl = (billId: string) => `/api/bills/${enc(billId)}/print`;
export const billPdfUrl = (billId: string) => `/api/bills/${enc(billId)}/pdf`;
