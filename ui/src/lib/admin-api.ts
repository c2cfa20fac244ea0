// Typed calls for the admin dashboard (mirrors src/web/routes/admin-*.ts).

import { api, type Api } from './api.ts';
import type { Address } from './portal-api.ts';

export interface Overview {
  pendingApprovals: number;
  approvedProperties: number;
  meters: number;
  metersOnline: number;
  openTickets: number;
  defaulters: number;
  openBillRuns: number;
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
});
