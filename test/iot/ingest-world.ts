// A small world for gateway ingest tests on real Postgres: a test store, meters
// registered and assigned through the meter decider with real keys, a gateway
// started with runGateway, and helpers to read what the meter streams hold.

import { randomUUID } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { handleCommand } from '../../src/commands/handle-command.ts';
import { meterDecider, meterStream, type MeterCommand } from '../../src/domain/meter/index.ts';
import { publicKeyOf } from '../../src/iot/crypto/ecdsa.ts';
import { runGateway, type GatewayConfig } from '../../src/iot/gateway/run-gateway.ts';
import type { Reading } from '../../src/iot/protocol/canonical.ts';
import type { MeterIdentity } from '../../src/iot/session/meter-session.ts';
import type { ReadingVerifier } from '../../src/iot/verify/types.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { testKey } from './fixtures.ts';

export const gatewayKey = testKey('ingest gateway');

export const identityOf = (meterId: string): MeterIdentity => ({
  meterId,
  privateKey: testKey(meterId),
  gatewayPublicKey: publicKeyOf(gatewayKey),
});

export const readingOf = (meterId: string, seq: number, registerWh = seq * 100): Reading => ({
  meterId,
  seq,
  registerWh,
  readAt: Date.now(),
});

const meta = (actor = 'system:test') => ({
  now: new Date().toISOString(),
  commandId: randomUUID(),
  actor,
});

export const onMeter = (store: EventStore, meterId: string, command: MeterCommand) =>
  handleCommand(store, meterStream(meterId), meterDecider, command);

/** Registers the meter with its test key and, unless `assigned` is false, assigns it. */
export async function installMeter(
  store: EventStore,
  meterId: string,
  opts: { assigned?: boolean; propertyId?: string } = {},
): Promise<void> {
  const publicKey = bytesToHex(publicKeyOf(testKey(meterId)));
  const serial = `SN-${meterId}`
    .toUpperCase()
    .replace(/[^A-Z0-9-]/g, '-')
    .slice(0, 40);
  await onMeter(store, meterId, {
    type: 'RegisterMeter',
    data: { meterId, serial, publicKey, kind: 'single-phase' },
    metadata: meta(),
  });
  if (opts.assigned === false) return;
  await onMeter(store, meterId, {
    type: 'AssignMeter',
    data: { propertyId: opts.propertyId ?? `prop-${meterId}`, gatewayId: 'gw-1' },
    metadata: meta(),
  });
}

export const disableMeterNow = (store: EventStore, meterId: string) =>
  onMeter(store, meterId, {
    type: 'DisableMeter',
    data: { reason: 'test' },
    metadata: meta(),
  });

export const startTestGateway = (
  store: EventStore,
  verifier: ReadingVerifier,
  config: Partial<GatewayConfig> = {},
) =>
  runGateway(
    { gatewayId: 'gw-1', gatewayPrivateKey: gatewayKey, billRuns: false, ...config },
    { store, verifier },
  );

/** Types and seqs of the reading events in a meter's stream. */
export async function readingsIn(store: EventStore, meterId: string) {
  const events = await store.readStream(meterStream(meterId));
  return events
    .filter((e) => e.type === 'ReadingRecorded' || e.type === 'TamperAlarmRaised')
    .map((e) => ({ type: e.type, seq: e.data.seq as number, id: e.id }));
}
