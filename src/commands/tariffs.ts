// Application services for tariffs (`tariff-<propertyKind>`): publishing a
// version (superusers only) and reading the versions back, including the one
// in force on a date, for bill runs and receivables.

import type { Role } from '../domain/account/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import {
  tariffDecider,
  tariffInForce,
  tariffStream,
  type PropertyKind,
  type PublishTariffVersion,
  type TariffState,
  type TariffVersion,
} from '../domain/tariff/index.ts';
import type { EventStore } from '../eventstore/port.ts';
import { actorRoles } from './account-queries.ts';
import { foldStream, handleCommand } from './handle-command.ts';

export interface TariffDeps {
  store: EventStore;
}

export type AuthorisationErrorCode = 'FORBIDDEN';

/** Throws FORBIDDEN unless the actor is an enabled account holding one of the roles. */
export async function requireRole(
  store: EventStore,
  actor: string,
  roles: readonly Role[],
): Promise<void> {
  const held = await actorRoles(store, actor);
  if (!held.some((role) => roles.includes(role)))
    throw new DomainError<AuthorisationErrorCode>(
      'FORBIDDEN',
      `this needs one of the roles: ${roles.join(', ')}`,
    );
}

export async function publishTariffVersion(
  deps: TariffDeps,
  input: { kind: PropertyKind; terms: TariffVersion },
  metadata: CommandMetadata,
): Promise<{ position: string | null; version: number }> {
  await requireRole(deps.store, metadata.actor, ['superuser']);
  const command: PublishTariffVersion = { type: 'PublishTariffVersion', data: input, metadata };
  const result = await handleCommand(deps.store, tariffStream(input.kind), tariffDecider, command);
  return { position: result.position, version: input.terms.version };
}

/** Every published version of a kind, oldest first (empty before the first). */
export async function tariffVersions(
  store: EventStore,
  kind: PropertyKind,
): Promise<TariffVersion[]> {
  const state: TariffState = await foldStream(store, tariffStream(kind), tariffDecider);
  return state.status === 'published' ? state.versions : [];
}

/** The version of a kind in force on a date (YYYY-MM-DD), or null. */
export async function tariffInForceOn(
  store: EventStore,
  kind: PropertyKind,
  date: string,
): Promise<TariffVersion | null> {
  return tariffInForce(await tariffVersions(store, kind), date);
}
