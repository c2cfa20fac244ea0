// Typed calls for the auditor view (src/web/routes/auditor.ts and
// auditor-verifications.ts), and following a verification job's progress
// over server-sent events, falling back to polling if the stream breaks.

import { api, type Api } from './api.ts';
import type { EventSourceLike } from './live.svelte.ts';

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

export interface AuditFailure {
  stream: string;
  /** Negative: the failure names no stream revision (e.g. a read-model row). */
  revision: number;
  reason: string;
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
    failures: AuditFailure[];
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
  /** Starts a verification (or returns the one running); answers at once. */
  verify: () => client.post<VerificationJob>('/api/auditor/verifications'),
  job: (id: string) => client.get<VerificationJob>(`/api/auditor/verifications/${enc(id)}`),
});

export interface CheckProgress {
  id: string;
  title: string;
  done: number;
  total: number;
  state: 'waiting' | 'replaying' | 'finishing' | 'done';
  ok: boolean | null;
}

export interface VerificationJob {
  id: string;
  /** Account id of who started it. */
  startedBy: string;
  /** `interrupted`: the server running it stopped before it finished. */
  status: 'counting' | 'running' | 'passed' | 'failed' | 'error' | 'interrupted';
  startedAt: string;
  finishedAt: string | null;
  checks: CheckProgress[];
  report: AuditReport | null;
  error: string | null;
}

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
