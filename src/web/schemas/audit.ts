// Wire shapes of the auditor's view (src/web/routes/auditor.ts,
// auditor-verifications.ts): pages of the log and verification jobs, which
// the job's server-sent events carry too.

import { z } from 'zod';
import { instant, int } from './wire.ts';

export const loggedEventSchema = z.object({
  id: z.string(),
  stream: z.string(),
  revision: int,
  position: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
  recordedAt: instant,
  prevHash: z.string(),
  hash: z.string(),
});
export type LoggedEvent = z.input<typeof loggedEventSchema>;

export const eventPageSchema = z.object({
  events: z.array(loggedEventSchema),
  next: z.string().nullable(),
});
export type EventPage = z.input<typeof eventPageSchema>;

export const auditFailureSchema = z.object({
  stream: z.string(),
  /** Negative: the failure names no stream revision (e.g. a read-model row). */
  revision: int,
  reason: z.string(),
});
export type AuditFailure = z.input<typeof auditFailureSchema>;

export const auditReportSchema = z.object({
  ok: z.boolean(),
  store: z.string(),
  eventsReplayed: int,
  checks: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      ok: z.boolean(),
      checked: int,
      failures: z.array(auditFailureSchema),
      notes: z.array(z.string()),
    }),
  ),
});
export type AuditReport = z.input<typeof auditReportSchema>;

export const checkProgressSchema = z.object({
  id: z.string(),
  title: z.string(),
  done: int,
  total: int,
  state: z.enum(['waiting', 'replaying', 'finishing', 'done']),
  ok: z.boolean().nullable(),
});
export type CheckProgress = z.input<typeof checkProgressSchema>;

export const verificationJobSchema = z.object({
  id: z.string(),
  /** Account id of who started it. */
  startedBy: z.string(),
  /** `interrupted`: the server running it stopped before it finished. */
  status: z.enum(['counting', 'running', 'passed', 'failed', 'error', 'interrupted']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  checks: z.array(checkProgressSchema),
  report: auditReportSchema.nullable(),
  error: z.string().nullable(),
});
export type VerificationJob = z.input<typeof verificationJobSchema>;
