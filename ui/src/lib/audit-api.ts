// Typed calls for the auditor view (src/web/routes/auditor.ts and
// auditor-verifications.ts), and following a verification job's progress
// over server-sent events, falling back to polling if the stream breaks. The
// shapes are the routes' own zod schemas (src/web/schemas/), imported as types only.

import type {
  AuditFailure,
  AuditReport,
  CheckProgress,
  EventPage,
  LoggedEvent,
  VerificationJob,
} from '../../../src/web/schemas/audit.ts';
import { api, type Api } from './api.ts';
import type { EventSourceLike } from './live.svelte.ts';

export type { AuditFailure, AuditReport, CheckProgress, EventPage, LoggedEvent, VerificationJob };

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
  /** Starts a verification (or returns the one running); answers at once. */
  verify: () => client.post<VerificationJob>('/api/auditor/verifications'),
  job: (id: string) => client.get<VerificationJob>(`/api/auditor/verifications/${enc(id)}`),
});

export interface FollowOptions {
  open?: (url: string) => EventSourceLike;
  client?: Api;
  pollMs?: number;
}

/**
 * Calls `update` with each state of the job until it finishes; returns a
 * function that stops following. Progress comes over server-sent events; if
 * the stream fails, the job is polled instead.
 */
export function followVerification(
  id: string,
  update: (job: VerificationJob) => void,
  options: FollowOptions = {},
): () => void {
  const open =
    options.open ??
    ((url: string) =>
      new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike);
  const audit = auditApi(options.client);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const source = open(`/api/auditor/verifications/${enc(id)}/events`);
  const receive = (data: string) => {
    if (stopped) return;
    const job = JSON.parse(data) as VerificationJob;
    update(job);
    if (job.finishedAt !== null) stop();
  };
  const poll = async () => {
    if (stopped) return;
    try {
      receive(JSON.stringify(await audit.job(id)));
    } catch {
      // A network blip: try again on the next tick.
    } finally {
      if (!stopped) timer = setTimeout(() => void poll(), options.pollMs ?? 1000);
    }
  };
  source.addEventListener('progress', (e) => receive(e.data));
  source.addEventListener('done', (e) => receive(e.data));
  source.addEventListener('error', () => {
    if (stopped) return;
    source.close();
    void poll();
  });
  function stop() {
    stopped = true;
    clearTimeout(timer);
    source.close();
  }
  return stop;
}
