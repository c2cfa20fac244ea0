// A small world for billing integration tests on real Postgres: accounts with
// roles, a published residential tariff, and approved properties with an
// assigned meter, a tenant and an installation reading, all written through
// the other features' deciders exactly as their services would.

import { randomUUID } from 'node:crypto';
import { storeBillingPorts, type BillingDeps } from '../../src/commands/billing.ts';
import { handleCommand } from '../../src/commands/handle-command.ts';
import { publishTariffVersion } from '../../src/commands/tariffs.ts';
import { billDecider, billStream, type IssuedBill } from '../../src/domain/billing/index.ts';
import { meterDecider, meterStream, type MeterCommand } from '../../src/domain/meter/index.ts';
import {
  propertyDecider,
  propertyStream,
  type PropertyCommand,
} from '../../src/domain/property/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import type { TariffVersion } from '../../src/domain/tariff/index.ts';
import { createPostgresTestStore } from '../support/store.ts';

export interface Fixture {
  n: number;
  meterId: string;
  propertyId: string;
}

export interface StoredReading {
  readingEventId: string;
  readingRevision: number;
}

export const tariff: TariffVersion = {
  version: 1,
  effectiveFrom: '2025-12-01',
  mode: 'telescopic',
  slabs: [
    { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 },
    { fromWh: 100_000, toWh: 300_000, ratePaisePerKwh: 800 },
    { fromWh: 300_000, toWh: null, ratePaisePerKwh: 1200 },
  ],
  fixedChargePaise: 5_000,
  taxes: [{ name: 'SGST', basisPoints: 500, base: 'energy' }],
  miscCharges: [],
  lateFeePaise: 10_000,
  missedReadingPenaltyPaise: 25_000,
  dueDays: 15,
};

// The secp256k1 generator point, compressed: a valid public key for inventory.
const GENERATOR = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const PUBLISHED_AT = '2025-11-15T00:00:00Z';
const INSTALLED_AT = '2025-12-20T00:00:00Z';

export function meta(
  actor: string,
  now = '2026-01-15T00:00:00Z',
  commandId: string = randomUUID(),
): CommandMetadata {
  return { actor, now: new Date(now).toISOString(), commandId };
}

/** 06:00 UTC on the 2nd of the month after the period. */
export function deadlineOf(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 2, 6)).toISOString();
}

export const runMeter = (f: Fixture) => ({ meterId: f.meterId, propertyId: f.propertyId });

export async function createBillingWorld(options: { publishTariff?: boolean } = {}) {
  const testStore = await createPostgresTestStore();
  const { store } = testStore;
  const deps: BillingDeps = { store, ports: storeBillingPorts(store) };
  const superuser = randomUUID();
  const admin = randomUUID();
  const customer = randomUUID();
  const tenant = randomUUID();
  const seqs = new Map<string, number>();

  async function registerAccount(accountId: string, role: 'superuser' | 'admin' | 'customer') {
    const at = '2025-11-01T00:00:00.000Z';
    await store.append(`account-${accountId}`, [
      {
        id: randomUUID(),
        type: 'AccountRegistered',
        data: {
          ...{ accountId, username: `user${accountId.slice(0, 8)}`, roles: [role] },
          personal: { v: 1, subject: accountId, iv: 'aXY', ct: 'Y3Q' },
          ...{ emailLookup: accountId, consentGivenAt: at, registeredAt: at },
        },
      },
    ]);
  }

  async function fold<E, S>(stream: string, decider: { evolve(s: S, e: E): S; initialState: S }) {
    const events = await store.readStream(stream);
    return events.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState);
  }

  const onProperty = (f: Fixture, command: PropertyCommand) =>
    handleCommand(store, propertyStream(f.propertyId), propertyDecider, command);
  const onMeter = (f: Fixture, command: MeterCommand) =>
    handleCommand(store, meterStream(f.meterId), meterDecider, command);

  /** A reading through the meter decider, as the gateway stores it; returns where it is stored. */
  async function read(f: Fixture, registerWh: number, readAt: string): Promise<StoredReading> {
    const seq = (seqs.get(f.meterId) ?? 0) + 1;
    seqs.set(f.meterId, seq);
    const at = new Date(readAt).toISOString();
    const signature = 'ab'.repeat(64);
    await onMeter(f, {
      type: 'RecordReading',
      data: {
        seq,
        registerWh,
        readAt: at,
        signature,
        runId: null,
        requestId: null,
        receivedAt: at,
      },
      metadata: meta('system:gateway', readAt),
    });
    const stored = (await store.readStream(meterStream(f.meterId))).at(-1)!;
    return { readingEventId: stored.id, readingRevision: stored.revision };
  }

  async function installMeter(n: number): Promise<Fixture> {
    const f = { n, meterId: randomUUID(), propertyId: randomUUID() };
    const data = { meterId: f.meterId, serial: `MTR-${1000 + n}`, publicKey: GENERATOR };
    const at = INSTALLED_AT;
    await onMeter(f, {
      type: 'RegisterMeter',
      data: { ...data, kind: 'single-phase' },
      metadata: meta(admin, at),
    });
    await onProperty(f, {
      type: 'AddProperty',
      data: {
        ...{ propertyId: f.propertyId, ownerId: customer, kind: 'residential' },
        address: { v: 1, subject: customer, iv: 'aXY', ct: 'YWRkcmVzcw' },
        ...{ city: 'Pune', state: 'MH', pincode: '411001' },
      },
      metadata: meta(customer, at),
    });
    const assignment = { gatewayId: 'gw-1', meterId: f.meterId };
    await onProperty(f, { type: 'ApproveProperty', data: assignment, metadata: meta(admin, at) });
    await onMeter(f, {
      type: 'AssignMeter',
      data: { propertyId: f.propertyId, gatewayId: 'gw-1' },
      metadata: meta(admin, at),
    });
    const invitationId = randomUUID();
    await onProperty(f, {
      type: 'InviteTenant',
      data: { invitationId, tenantId: tenant, expiresInDays: 7 },
      metadata: meta(customer, at),
    });
    const accept = { invitationId };
    await onProperty(f, { type: 'AcceptInvitation', data: accept, metadata: meta(tenant, at) });
    // The installation reading: the opening reading of the first bill.
    await read(f, 0, '2025-12-31T00:00:00Z');
    return f;
  }

  await registerAccount(superuser, 'superuser');
  await registerAccount(admin, 'admin');
  await registerAccount(customer, 'customer');
  if (options.publishTariff !== false)
    await publishTariffVersion(
      deps,
      { kind: 'residential', terms: tariff },
      meta(superuser, PUBLISHED_AT),
    );

  return {
    store,
    deps,
    superuser,
    admin,
    customer,
    tenant,
    close: () => testStore.close(),
    fold,
    read,
    installMeter,
    onProperty,
    async billOf(f: Fixture, period: string): Promise<IssuedBill | null> {
      const state = await fold(billStream(f.propertyId, period), billDecider);
      return state.status === 'issued' ? state.bill : null;
    },
    propertyOf: (f: Fixture) => fold(propertyStream(f.propertyId), propertyDecider),
    lastType: async (stream: string) => (await store.readStream(stream)).at(-1)?.type,
  };
}

export type BillingWorld = Awaited<ReturnType<typeof createBillingWorld>>;
