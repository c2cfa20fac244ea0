// Application services for inventory: gateways, meters and the readings on a
// meter's stream. Cross-stream rules live here: a serial is unique through its
// reservation stream, and a meter is assigned only to a property that is
// approved (or being approved) on an enabled gateway of the same area.

import { v5 as uuidv5 } from 'uuid';
import {
  gatewayDecider,
  gatewayStream,
  sameArea,
  type GatewayCommand,
  type GatewayState,
} from '../domain/gateway/index.ts';
import {
  meterDecider,
  meterSerialDecider,
  meterSerialStream,
  meterStream,
  normaliseSerial,
  type MeterCommand,
  type MeterEvent,
  type MeterKind,
  type MeterState,
  type ReadingInput,
} from '../domain/meter/index.ts';
import { propertyDecider, propertyStream, type PropertyState } from '../domain/property/index.ts';
import { DomainError, fold, type CommandMetadata, type Decider } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { requireRole } from './accounts.ts';
import { eventIdFor, handleCommand } from './handle-command.ts';

/** Errors only the services raise: they need another stream to decide. */
export type InventoryServiceErrorCode =
  | 'GATEWAY_NOT_FOUND'
  | 'GATEWAY_DISABLED'
  | 'AREA_MISMATCH'
  | 'PROPERTY_NOT_FOUND'
  | 'PROPERTY_NOT_PENDING'
  | 'METER_EXISTS';

export interface InventoryDeps {
  store: EventStore;
}

export interface Written {
  /** Global position of the write (or of the earlier identical write), for read-your-writes. */
  position: string | null;
}

// Namespace for the command ids of the steps of a multi-stream service call.
const STEP_NAMESPACE = 'a3d4c0b2-5e61-4f7a-9b8c-2d1e0f3a4b5c';

/**
 * The command id of one step of a service call that writes several streams.
 * Deterministic, so a retry of the whole call with the same command id finds
 * the steps that already happened and completes the rest.
 */
export const stepMetadata = (metadata: CommandMetadata, step: string): CommandMetadata => ({
  ...metadata,
  commandId: uuidv5(`${metadata.commandId}/${step}`, STEP_NAMESPACE),
});

export async function loadState<E, S>(
  store: EventStore,
  stream: string,
  decider: Decider<never, E, S>,
): Promise<S> {
  const events = await store.readStream(stream);
  return fold(decider.evolve, decider.initialState, events as unknown as E[]);
}

export const loadGateway = (store: EventStore, gatewayId: string): Promise<GatewayState> =>
  loadState(store, gatewayStream(gatewayId), gatewayDecider);
export const loadMeter = (store: EventStore, meterId: string): Promise<MeterState> =>
  loadState(store, meterStream(meterId), meterDecider);
export const loadProperty = (store: EventStore, propertyId: string): Promise<PropertyState> =>
  loadState(store, propertyStream(propertyId), propertyDecider);

const fail = (code: InventoryServiceErrorCode, message: string) => new DomainError(code, message);

/** Inventory and approvals are staff work: throws NOT_AUTHORISED for anyone else. */
export const requireStaff = (store: EventStore, actor: string): Promise<void> =>
  requireRole(store, actor, ['admin', 'superuser']);

const onGateway = (
  store: EventStore,
  gatewayId: string,
  command: GatewayCommand,
): Promise<Written> => handleCommand(store, gatewayStream(gatewayId), gatewayDecider, command);
const onMeter = (store: EventStore, meterId: string, command: MeterCommand) =>
  handleCommand(store, meterStream(meterId), meterDecider, command);

export async function registerGateway(
  deps: InventoryDeps,
  input: {
    gatewayId: string;
    name: string;
    state: string;
    city: string;
    pincode: string;
    publicKey: string;
  },
  metadata: CommandMetadata,
): Promise<Written & { gatewayId: string }> {
  await requireStaff(deps.store, metadata.actor);
  const { position } = await onGateway(deps.store, input.gatewayId, {
    type: 'RegisterGateway',
    data: input,
    metadata,
  });
  return { position, gatewayId: input.gatewayId };
}

export async function rotateGatewayKey(
  deps: InventoryDeps,
  input: { gatewayId: string; publicKey: string },
  metadata: CommandMetadata,
): Promise<Written> {
  await requireStaff(deps.store, metadata.actor);
  return onGateway(deps.store, input.gatewayId, {
    type: 'RotateGatewayKey',
    data: { publicKey: input.publicKey },
    metadata,
  });
}

export async function disableGateway(
  deps: InventoryDeps,
  input: { gatewayId: string; reason: string },
  metadata: CommandMetadata,
): Promise<Written> {
  await requireStaff(deps.store, metadata.actor);
  return onGateway(deps.store, input.gatewayId, {
    type: 'DisableGateway',
    data: { reason: input.reason },
    metadata,
  });
}

export async function enableGateway(
  deps: InventoryDeps,
  input: { gatewayId: string },
  metadata: CommandMetadata,
): Promise<Written> {
  await requireStaff(deps.store, metadata.actor);
  return onGateway(deps.store, input.gatewayId, { type: 'EnableGateway', data: {}, metadata });
}

/**
 * Reserves the serial (`meterserial-<SERIAL>`, no_stream) and then registers
 * the meter. The command is validated first so a bad key never burns a serial;
 * a retry with the same command id finds its own reservation and completes.
 */
export async function registerMeter(
  deps: InventoryDeps,
  input: { meterId: string; serial: string; publicKey: string; kind: MeterKind },
  metadata: CommandMetadata,
): Promise<Written & { meterId: string }> {
  await requireStaff(deps.store, metadata.actor);
  const serial = normaliseSerial(input.serial);
  const register: MeterCommand = {
    type: 'RegisterMeter',
    data: { ...input, serial },
    metadata: stepMetadata(metadata, 'register'),
  };
  const dryRun = meterDecider.decide(register, meterDecider.initialState);
  if (dryRun instanceof DomainError) throw dryRun;
  const existing = await loadMeter(deps.store, input.meterId);
  if (existing.status !== 'none' && existing.serial !== serial)
    throw fail('METER_EXISTS', `meter ${input.meterId} is already registered`);
  await handleCommand(deps.store, meterSerialStream(serial), meterSerialDecider, {
    type: 'ReserveMeterSerial',
    data: { serial, meterId: input.meterId },
    metadata: stepMetadata(metadata, 'reserve-serial'),
  });
  const { position } = await onMeter(deps.store, input.meterId, register);
  return { position, meterId: input.meterId };
}

/**
 * Assigns a meter to a property on a gateway. The property must be pending
 * (being approved) or approved with this very meter; the gateway enabled and of
 * the property's area; the meter enabled and free (its decider checks that).
 */
export async function assignMeter(
  deps: InventoryDeps,
  input: { meterId: string; propertyId: string; gatewayId: string },
  metadata: CommandMetadata,
): Promise<Written> {
  await requireStaff(deps.store, metadata.actor);
  const [property, gateway] = await Promise.all([
    loadProperty(deps.store, input.propertyId),
    loadGateway(deps.store, input.gatewayId),
  ]);
  if (property.status === 'none')
    throw fail('PROPERTY_NOT_FOUND', `no property ${input.propertyId}`);
  const beingApproved = property.status === 'pending';
  const approvedWithIt = property.status === 'approved' && property.meterId === input.meterId;
  if (!beingApproved && !approvedWithIt)
    throw fail(
      'PROPERTY_NOT_PENDING',
      `property is ${property.status}; meters are assigned on approval`,
    );
  if (gateway.status === 'none') throw fail('GATEWAY_NOT_FOUND', `no gateway ${input.gatewayId}`);
  if (gateway.status === 'disabled')
    throw fail('GATEWAY_DISABLED', `gateway ${input.gatewayId} is disabled`);
  if (!sameArea(gateway, property))
    throw fail(
      'AREA_MISMATCH',
      `gateway serves ${gateway.city} ${gateway.pincode}, property is in ${property.city} ${property.pincode}`,
    );
  const { propertyId, gatewayId } = input;
  return onMeter(deps.store, input.meterId, {
    type: 'AssignMeter',
    data: { propertyId, gatewayId },
    metadata,
  });
}

/**
 * Releases a meter from a property (the decision was the property's: a refused
 * approval or a deactivation), so no role check here; not for the web layer.
 */
export const releaseMeter = (
  deps: InventoryDeps,
  input: { meterId: string; propertyId: string; reason: string },
  metadata: CommandMetadata,
) =>
  onMeter(deps.store, input.meterId, {
    type: 'UnassignMeter',
    data: { propertyId: input.propertyId, reason: input.reason },
    metadata,
  });

/** Staff, or an in-process `system:` actor (the billing process disables meters). */
async function staffOrSystemOnMeter(deps: InventoryDeps, meterId: string, command: MeterCommand) {
  if (!command.metadata.actor.startsWith('system:'))
    await requireStaff(deps.store, command.metadata.actor);
  return onMeter(deps.store, meterId, command);
}

export const rotateMeterKey = (
  deps: InventoryDeps,
  input: { meterId: string; publicKey: string },
  metadata: CommandMetadata,
): Promise<Written> =>
  staffOrSystemOnMeter(deps, input.meterId, {
    type: 'RotateMeterKey',
    data: { publicKey: input.publicKey },
    metadata,
  });

export const disableMeter = (
  deps: InventoryDeps,
  input: { meterId: string; reason: string },
  metadata: CommandMetadata,
): Promise<Written> =>
  staffOrSystemOnMeter(deps, input.meterId, {
    type: 'DisableMeter',
    data: { reason: input.reason },
    metadata,
  });

export const enableMeter = (
  deps: InventoryDeps,
  input: { meterId: string },
  metadata: CommandMetadata,
): Promise<Written> =>
  staffOrSystemOnMeter(deps, input.meterId, { type: 'EnableMeter', data: {}, metadata });

export interface ReadingOutcome extends Written {
  /** `recorded`, or `tamper-alarm` when the register went backwards (stored, not billed). */
  outcome: 'recorded' | 'tamper-alarm';
  /** Id of the stored event (a bill cites it as its opening or closing reading). */
  eventId: string;
}

/**
 * Appends one reading whose signature the caller (the gateway) has verified.
 * Throws READING_REPLAYED, METER_DISABLED, METER_NOT_ASSIGNED, INVALID_READING.
 * Idempotent by command id: a retried command returns the stored outcome.
 */
export async function recordReading(
  deps: InventoryDeps,
  input: ReadingInput & { meterId: string },
  metadata: CommandMetadata,
): Promise<ReadingOutcome> {
  const { meterId, ...data } = input;
  const result = await onMeter(deps.store, meterId, { type: 'RecordReading', data, metadata });
  const decided: MeterEvent | undefined = result.events[0];
  if (decided) {
    const outcome = decided.type === 'TamperAlarmRaised' ? 'tamper-alarm' : 'recorded';
    return { position: result.position, outcome, eventId: eventIdFor(metadata.commandId, 0) };
  }
  const stored = (await deps.store.readStream(meterStream(meterId))).findLast(
    (e) => e.metadata.commandId === metadata.commandId,
  );
  if (!stored) throw new Error(`reading command ${metadata.commandId} produced no event`);
  return {
    position: stored.position,
    outcome: stored.type === 'TamperAlarmRaised' ? 'tamper-alarm' : 'recorded',
    eventId: stored.id,
  };
}
