// Typed calls for the auditor view (src/web/routes/auditor.ts).

import { api, type Api } from './api.ts';

export interface LoggedEvent {
  id: string;
  stream: string;
  revision: number;
  position: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface EventPage {
  events: LoggedEvent[];
  next: string | null;
}

export interface AuditReport {
  ok: boolean;
  store: string;
  eventsReplayed: number;
  checks: {
    id: string;
    title: string;
    ok: boolean;
    checked: number;
    failures: Record<string, unknown>[];
    notes: string[];
  }[];
}

const enc = encodeURIComponent;

export const auditApi = (client: Api = api) => ({
  events: (after?: string, limit = 50) =>
    client.get<EventPage>(
      `/api/auditor/events?limit=${limit}${after ? `&after=${enc(after)}` : ''}`,
    ),
  stream: (stream: string, fromRevision = 0, limit = 50) =>
    client.get<EventPage>(
      `/api/auditor/streams/${enc(stream)}?fromRevision=${fromRevision}&limit=${limit}`,
    ),
  verify: () => client.post<AuditReport>('/api/auditor/verifications'),
});
