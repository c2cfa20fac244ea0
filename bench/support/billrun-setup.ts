// bench:billrun's world: its settings (environment variables), the meters,
// properties, accounts and tariff it registers, and how it starts a gateway.
// Shared by the bench's main process (gw-a, the runs) and its children
// (gw-b and the two fleets, billrun-roles.ts).

import type { BillingDeps } from '../../src/commands/billing.ts';
import { publishTariffVersion } from '../../src/commands/tariffs.ts';
import { meterDecider, meterStream } from '../../src/domain/meter/index.ts';
import { propertyDecider, propertyStream } from '../../src/domain/property/index.ts';
import type { Decider } from '../../src/domain/shared/decider.ts';
import type { EventStore, NewEvent, StreamAppend } from '../../src/eventstore/port.ts';
import { runGateway } from '../../src/iot/gateway/run-gateway.ts';
import { benchGatewayKey, benchMeterKey, publicKeyHex } from './fleet.ts';

export const METERS = Number(process.env.BILLRUN_METERS ?? 20_000);
export const RUN_SIZE = Number(process.env.RUN_SIZE ?? METERS);
/**
 * The run's deadline: an upper bound, since a run closes as soon as every
 * meter has answered; unanswered meters are recorded missed at it.
 */
export const DEADLINE_S = Number(process.env.DEADLINE_S ?? 30);
/**
 * Each meter's first connection waits a random 0..CONNECT_JITTER_MS. Handshakes
 * arriving faster than a gateway completes them queue past the 10 s handshake
 * timeout, fail and come back with backoff (up to 60 s): spread them out.
 */
export const CONNECT_JITTER_MS = Number(process.env.CONNECT_JITTER_MS ?? 60_000);
/**
 * Each gateway closes a run a random 0..CLOSE_JITTER_MS past its deadline or
 * its last answer (default: the gateway's own, 500 ms); the first to claim the
 * close's lease bills, the other waits for the lease to run out.
 */
export const CLOSE_JITTER_MS =
  process.env.CLOSE_JITTER_MS === undefined ? undefined : Number(process.env.CLOSE_JITTER_MS);
/** Stop waiting for completion after this long and report how far the runs got. */
export const MAX_SECONDS = Number(process.env.MAX_SECONDS ?? 180);
export const meterKey = (i: number) => benchMeterKey('billrun', i);
export const gatewayKey = benchGatewayKey('billrun');
export const meterId = (i: number) => `m-${i}`;
export const propertyId = (i: number) => `p-${i}`;
export const SUPERUSER = 'bench-superuser';
const OWNER = 'bench-owner';
const ADMIN = 'bench-admin';
const at = '2026-01-01T00:00:00.000Z';
const meta = (actor: string) => ({ now: at, commandId: crypto.randomUUID(), actor });

const tariff = {
  version: 1,
  effectiveFrom: '2025-12-01',
  mode: 'telescopic' as const,
  slabs: [
    { fromWh: 0, toWh: 100_000, ratePaisePerKwh: 500 },
    { fromWh: 100_000, toWh: null, ratePaisePerKwh: 800 },
  ],
  fixedChargePaise: 5_000,
  taxes: [{ name: 'SGST', basisPoints: 500, base: 'energy' as const }],
  miscCharges: [],
  lateFeePaise: 10_000,
  missedReadingPenaltyPaise: 25_000,
  dueDays: 15,
};

/** The events `commands` produce on a fresh stream, through its decider. */
function eventsOf<C, E extends { type: string; data: object }, S>(
  decider: Decider<C, E, S>,
  commands: C[],
): NewEvent[] {
  let state = decider.initialState;
  const out: NewEvent[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    if (decided instanceof Error) throw decided;
    for (const e of decided) {
      state = decider.evolve(state, e);
      out.push({ id: crypto.randomUUID(), type: e.type, data: e.data as never });
    }
  }
  return out;
}

export async function setUp(store: EventStore, deps: BillingDeps): Promise<void> {
  for (const [accountId, role] of [
    [SUPERUSER, 'superuser'],
    [ADMIN, 'admin'],
    [OWNER, 'customer'],
  ] as const)
    await store.append(`account-${accountId}`, [
      {
        id: crypto.randomUUID(),
        type: 'AccountRegistered',
        data: {
          ...{ accountId, username: `u${accountId}`.replace(/-/g, ''), roles: [role] },
          personal: { v: 1, subject: accountId, iv: 'aXY', ct: 'Y3Q' },
          ...{ emailLookup: accountId, consentGivenAt: at, registeredAt: at },
        },
      },
    ]);
  await publishTariffVersion(deps, { kind: 'residential', terms: tariff }, meta(SUPERUSER));
  for (let from = 0; from < METERS; from += 500) {
    const appends: StreamAppend[] = [];
    for (let i = from; i < Math.min(METERS, from + 500); i++) {
      const gatewayId = i % 2 === 0 ? 'gw-a' : 'gw-b';
      const meter = { meterId: meterId(i), propertyId: propertyId(i) };
      appends.push({
        stream: meterStream(meter.meterId),
        expectedRevision: 'no_stream',
        events: eventsOf(meterDecider, [
          {
            type: 'RegisterMeter',
            data: {
              meterId: meter.meterId,
              serial: `BR-${i}`,
              publicKey: publicKeyHex(meterKey(i)),
              kind: 'single-phase',
            },
            metadata: meta(ADMIN),
          },
          {
            type: 'AssignMeter',
            data: { propertyId: meter.propertyId, gatewayId },
            metadata: meta(ADMIN),
          },
        ]),
      });
      appends.push({
        stream: propertyStream(meter.propertyId),
        expectedRevision: 'no_stream',
        events: eventsOf(propertyDecider, [
          {
            type: 'AddProperty',
            data: {
              ...{ propertyId: meter.propertyId, ownerId: OWNER, kind: 'residential' },
              address: { v: 1, subject: OWNER, iv: 'aXY', ct: 'YWRkcmVzcw' },
              ...{ city: 'Pune', state: 'MH', pincode: '411001' },
            },
            metadata: meta(OWNER),
          },
          {
            type: 'ApproveProperty',
            data: { gatewayId, meterId: meter.meterId },
            metadata: meta(ADMIN),
          },
        ]),
      });
    }
    for (const outcome of await store.appendMany(appends)) if (!outcome.ok) throw outcome.error;
  }
}

export const startGateway = (store: EventStore, gatewayId: string) =>
  runGateway(
    {
      ...{ gatewayId, gatewayPrivateKey: gatewayKey, port: 0 },
      ...(CLOSE_JITTER_MS === undefined ? {} : { closeJitterMs: CLOSE_JITTER_MS }),
    },
    { store, onError: (e) => process.stderr.write(`${gatewayId}: ${String(e)}\n`) },
  );
