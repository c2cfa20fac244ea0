// Typed calls for the customer portal: properties, tenancy, meter data and
// bills (src/web/routes/properties.ts, tenancy.ts, meters.ts, bills.ts). The
// shapes are the routes' own zod schemas (src/web/schemas/), imported as
// types only, so no zod code enters the bundle.

import type {
  Balance,
  Bill,
  BillDetail,
  BillLine,
  Checkout,
  ConsumptionPoint,
  Payment,
  Reading,
} from '../../../src/web/schemas/billing.ts';
import type {
  AddPropertyInput,
  Address,
  ContactCard,
  Contacts,
  Invitation,
  Invited,
  InviteInput,
  MeterStatus,
  Property,
  PropertyAdded,
  PropertyDetail,
  PropertyKind,
  PropertyStatus,
} from '../../../src/web/schemas/properties.ts';
import type { Done } from '../../../src/web/schemas/wire.ts';
import { api, type Api } from './api.ts';

export type {
  Address,
  Balance,
  Bill,
  BillDetail,
  BillLine,
  ConsumptionPoint,
  ContactCard,
  Done,
  Invitation,
  MeterStatus,
  Payment,
  Property,
  PropertyDetail,
  PropertyKind,
  PropertyStatus,
  Reading,
};

const enc = encodeURIComponent;

export const portalApi = (client: Api = api) => ({
  properties: () => client.get<Property[]>('/api/properties'),
  property: (id: string) => client.get<PropertyDetail>(`/api/properties/${enc(id)}`),
  addProperty: (body: AddPropertyInput, idempotencyKey: string) =>
    client.post<PropertyAdded>('/api/properties', body, {
      idempotencyKey,
    }),
  contacts: (id: string) => client.get<Contacts>(`/api/properties/${enc(id)}/contacts`),
  invite: (id: string, body: InviteInput) =>
    client.post<Invited>(`/api/properties/${enc(id)}/invitations`, body),
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
    client.post<Checkout>(`/api/bills/${enc(billId)}/checkout`, { returnPath }),
  bill: (billId: string) => client.get<BillDetail>(`/api/bills/${enc(billId)}`),
});

export const billPrintUrl = (billId: string) => `/api/bills/${enc(billId)}/print`;
export const billPdfUrl = (billId: string) => `/api/bills/${enc(billId)}/pdf`;
