// What the resource routes share: the services decorated as `app.api` (read
// database, read-your-writes wait, payment providers, the audit runner), the
// response helpers (the shapes themselves are in ../schemas/), and the
// ownership check every customer route makes: a property is reachable only by
// its owner or current tenant, and anyone else gets the same 404 as for a
// property that does not exist, so ids cannot be probed.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AuditWorkerSources } from '../../audit/job-runners.ts';
import type { AuditReport, RunAuditOptions } from '../../audit/run-audit.ts';
import type { SqlDatabase } from '../../db/sql.ts';
import type { PaymentProvider } from '../../payments/port.ts';
import type { PropertyRow } from '../../projections/properties/index.ts';
import { problems as authProblems } from '../auth-support.ts';
import type { Actor } from '../context.ts';
import { ProblemError } from '../problem.ts';
import { problemSchema } from '../schemas/wire.ts';

export interface ApiOptions {
  readDb: SqlDatabase;
  /** Read-your-writes: true once the named read models have applied `position`. */
  waitFor(
    position: string,
    options?: { projections?: string[]; timeoutMs?: number },
  ): Promise<boolean>;
  /** Providers by name; the first is used for new checkouts. */
  payments: PaymentProvider[];
  /** Replays the log through the audit checks; absent, starting a verification is 503. */
  runAudit?: (options?: RunAuditOptions) => Promise<AuditReport>;
  /** Where a verification worker thread opens its own connections (Postgres); absent, runAudit runs on this loop. */
  auditWorker?: AuditWorkerSources;
  /** How often the live feed polls the read models (ms, default 2000). */
  livePollMs?: number;
  /** Longest read-your-writes wait before answering anyway (ms, default 3000). */
  settleTimeoutMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    api: ApiOptions;
  }
  interface FastifyContextConfig {
    /** false: exempt from CSRF (signed webhooks only). */
    csrf?: boolean;
  }
}

export type ReadModel =
  | 'accounts'
  | 'properties'
  | 'inventory'
  | 'regions'
  | 'readings'
  | 'bills'
  | 'receivables'
  | 'tickets'
  | 'billruns';

/**
 * Waits (bounded) until `projections` have applied the command's position, so
 * the next GET shows the write. On timeout it answers anyway and says so in
 * a header: the write is durable, only the read models are behind.
 */
export async function settle(
  app: FastifyInstance,
  reply: FastifyReply,
  position: string | null,
  projections: ReadModel[],
): Promise<void> {
  if (position === null) return;
  const timeoutMs = app.api.settleTimeoutMs ?? 3000;
  const reached = await app.api.waitFor(position, { projections, timeoutMs });
  reply.header('x-read-your-writes', reached ? 'settled' : 'timeout');
}

export const notFound = (what: string): ProblemError =>
  new ProblemError(404, 'NOT_FOUND', `No such ${what}.`);

export type MemberRole = 'owner' | 'tenant';

/** The property row without its open invitation (that subquery is for the detail page only). */
export type OwnedProperty = Omit<PropertyRow, 'openInvitation'> & { role: MemberRole };

const OWNERSHIP_SQL = `SELECT property_id AS "propertyId", owner_id AS "ownerId", tenant_id AS "tenantId",
  status, kind, city, state, pincode, address, gateway_id AS "gatewayId", meter_id AS "meterId",
  missed_period AS "missedPeriod", status_reason AS "statusReason", added_at AS "addedAt"
  FROM read.properties WHERE property_id = $1`;

/** The property if the actor owns it or is its current tenant; 404 otherwise. */
export async function memberProperty(
  app: FastifyInstance,
  actor: Actor,
  propertyId: string,
  allowed: readonly MemberRole[] = ['owner', 'tenant'],
): Promise<OwnedProperty> {
  const { rows } = await app.api.readDb.query<Omit<PropertyRow, 'openInvitation'>>(OWNERSHIP_SQL, [
    propertyId,
  ]);
  return asMember(rows[0], actor, allowed);
}

/** `property` with the actor's role in it if they own it or are its current tenant; 404 otherwise. */
export function asMember<P extends Omit<PropertyRow, 'openInvitation'>>(
  property: P | undefined,
  actor: Actor,
  allowed: readonly MemberRole[] = ['owner', 'tenant'],
): P & { role: MemberRole } {
  const role: MemberRole | null =
    property === undefined
      ? null
      : property.ownerId === actor.accountId
        ? 'owner'
        : property.tenantId === actor.accountId
          ? 'tenant'
          : null;
  if (property === undefined || role === null || !allowed.includes(role))
    throw notFound('property');
  return { ...property, role };
}

/**
 * Rows a query read under `memberCondition` (ownership checked in the same
 * round trip). No rows means "not yours" or "nothing yet": only then is the
 * property looked up, so a stranger still gets the 404 and an owner the empty answer.
 */
export async function memberRows<Row>(
  app: FastifyInstance,
  actor: Actor,
  propertyId: string,
  rows: Row[],
): Promise<Row[]> {
  if (rows.length === 0) await memberProperty(app, actor, propertyId);
  return rows;
}

export const uuidParam = (name: string) => z.object({ [name]: z.uuid() });

export const problems = { ...authProblems, 404: problemSchema, 503: problemSchema } as const;

export const ok = <T extends z.ZodType>(schema: T) => ({ 200: schema, ...problems });
export const created = <T extends z.ZodType>(schema: T) => ({ 201: schema, ...problems });

export const positionSchema = z.object({ position: z.string().nullable() });
