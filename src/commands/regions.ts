// Region services: admins and superusers maintain states and their cities;
// anyone may read them.

import {
  isStateCode,
  regionDecider,
  regionStream,
  type RegionCommand,
  type RegionEvent,
  type RegionState,
} from '../domain/region/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { requireRole } from './accounts.ts';
import { handleCommand } from './handle-command.ts';

const STAFF = ['admin', 'superuser'] as const;

// Checked before the stream name is built from the code: a bad code is the
// caller's mistake, not an invalid stream name.
function assertStateCode(stateCode: string): void {
  if (!isStateCode(stateCode))
    throw new DomainError('INVALID_STATE_CODE', 'state code must be two capital letters');
}

export async function addState(
  deps: { store: EventStore },
  input: { stateCode: string; name: string },
  metadata: CommandMetadata,
): Promise<{ position: string | null }> {
  assertStateCode(input.stateCode);
  await requireRole(deps.store, metadata.actor, [...STAFF]);
  const command: RegionCommand = { type: 'AddState', data: input, metadata };
  const result = await handleCommand(
    deps.store,
    regionStream(input.stateCode),
    regionDecider,
    command,
  );
  return { position: result.position };
}

export async function addCity(
  deps: { store: EventStore },
  input: {
    stateCode: string;
    cityId: string;
    name: string;
    pincodeFrom: number;
    pincodeTo: number;
  },
  metadata: CommandMetadata,
): Promise<{ position: string | null; cityId: string }> {
  assertStateCode(input.stateCode);
  await requireRole(deps.store, metadata.actor, [...STAFF]);
  const { stateCode, ...data } = input;
  const command: RegionCommand = { type: 'AddCity', data, metadata };
  const result = await handleCommand(deps.store, regionStream(stateCode), regionDecider, command);
  return { position: result.position, cityId: input.cityId };
}

export async function loadRegion(store: EventStore, stateCode: string): Promise<RegionState> {
  assertStateCode(stateCode);
  const events = await store.readStream(regionStream(stateCode));
  return events
    .map((event) => event as unknown as RegionEvent)
    .reduce(regionDecider.evolve, regionDecider.initialState);
}
