// Application services for properties and tenancy. They seal the address
// before the decider sees it, resolve tenants through the accounts side, and
// coordinate the property and meter streams on approval, deactivation and a
// second missed reading. Each multi-stream call derives one command id per
// step, so retrying the whole call with the same command id completes it.

import {
  DEFAULT_INVITATION_DAYS,
  propertyDecider,
  propertyStream,
} from '../domain/property/index.ts';
import type { PropertyCommand, PropertyErrorCode, PropertyKind } from '../domain/property/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { PersonalDataVault } from '../privacy/vault.ts';
import { handleCommand } from './handle-command.ts';
import type { TenantDirectory } from './accounts.ts';
import type { BillingPorts } from './billing.ts';
import {
  assignMeter,
  disableMeter,
  loadProperty,
  releaseMeter,
  requireStaff,
  stepMetadata,
  type Written,
} from './inventory.ts';

export type { TenantDirectory };

export interface PropertyDeps {
  store: EventStore;
  vault: PersonalDataVault;
  tenants: TenantDirectory;
}

// A type alias, not an interface, so it is assignable to the vault's JsonObject.
export type Address = {
  houseNo: string;
  building: string;
  street: string;
  city: string;
  state: string;
  pincode: string;
};

const trimAddress = (a: Address): Address => ({
  houseNo: a.houseNo.trim(),
  building: a.building.trim(),
  street: a.street.trim(),
  city: a.city.trim(),
  state: a.state.trim(),
  pincode: a.pincode.trim(),
});

type Deps = Pick<PropertyDeps, 'store'>;

/**
 * Codes these services raise themselves; the rest come from the property and
 * meter deciders, the inventory services, and NOT_AUTHORISED from role checks.
 */
export type PropertyServiceErrorCode = 'TENANT_NOT_FOUND' | PropertyErrorCode;
const fail = (code: PropertyServiceErrorCode, message: string) => new DomainError(code, message);

const onProperty = (
  store: EventStore,
  propertyId: string,
  command: PropertyCommand,
): Promise<Written> => handleCommand(store, propertyStream(propertyId), propertyDecider, command);

type Cmd<T extends PropertyCommand['type']> = Extract<PropertyCommand, { type: T }>;
const command = <T extends PropertyCommand['type']>(
  type: T,
  data: Cmd<T>['data'],
  metadata: CommandMetadata,
) => ({ type, data, metadata }) as Cmd<T>;

/** Seals the whole address under the owner's key; city, state and pincode also go in clear. */
export async function addProperty(
  deps: Pick<PropertyDeps, 'store' | 'vault'>,
  input: { propertyId: string; ownerId: string; kind: PropertyKind; address: Address },
  metadata: CommandMetadata,
): Promise<Written & { propertyId: string }> {
  const { propertyId, ownerId, kind } = input;
  const address = trimAddress(input.address);
  if (address.houseNo === '' || address.street === '')
    throw fail('INVALID_PROPERTY', 'house number and street are required');
  const { city, state, pincode } = address;
  // Decide once on a placeholder first, so a refused command seals nothing
  // (sealing creates the owner's key if they have none yet).
  const placeholder = { v: 1 as const, subject: ownerId, iv: 'AA', ct: 'AA' };
  const preview = { propertyId, ownerId, kind, address: placeholder, city, state, pincode };
  const refused = propertyDecider.decide(
    command('AddProperty', preview, metadata),
    propertyDecider.initialState,
  );
  if (refused instanceof DomainError) throw refused;
  const data = { ...preview, address: await deps.vault.seal(ownerId, address) };
  const { position } = await onProperty(
    deps.store,
    propertyId,
    command('AddProperty', data, metadata),
  );
  return { position, propertyId };
}

/**
 * Approves with a gateway and a meter. Order: claim the meter first (its
 * stream arbitrates between two approvals wanting it), then approve the
 * property. If the approval is refused after the claim (say, another admin
 * rejected it meanwhile) the claim is undone; if the process dies between the
 * two, retrying with the same command id finds the claim and finishes.
 */
export async function approveProperty(
  deps: Pick<PropertyDeps, 'store'>,
  input: { propertyId: string; gatewayId: string; meterId: string },
  metadata: CommandMetadata,
): Promise<Written> {
  await requireStaff(deps.store, metadata.actor);
  const { propertyId, gatewayId, meterId } = input;
  await assignMeter(
    deps,
    { meterId, propertyId, gatewayId },
    stepMetadata(metadata, 'assign-meter'),
  );
  try {
    const approve = command(
      'ApproveProperty',
      { gatewayId, meterId },
      stepMetadata(metadata, 'approve'),
    );
    return await onProperty(deps.store, propertyId, approve);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const property = await loadProperty(deps.store, propertyId);
    const holdsMeter = property.status !== 'none' && property.meterId === meterId;
    if (!holdsMeter) {
      const reason = `approval refused: ${error.code}`;
      await releaseMeter(
        deps,
        { meterId, propertyId, reason },
        stepMetadata(metadata, 'undo-assign'),
      );
    }
    throw error;
  }
}

/** Admin commands: the actor must hold the admin or superuser role. */
async function staffOnProperty(deps: Deps, propertyId: string, cmd: PropertyCommand) {
  await requireStaff(deps.store, cmd.metadata.actor);
  return onProperty(deps.store, propertyId, cmd);
}

export const rejectProperty = (
  deps: Deps,
  input: { propertyId: string; reason: string },
  metadata: CommandMetadata,
): Promise<Written> =>
  staffOnProperty(
    deps,
    input.propertyId,
    command('RejectProperty', { reason: input.reason }, metadata),
  );

/** Resolves the tenant by username + mobile, then invites them; expires after N days (default 7). */
export async function inviteTenant(
  deps: Pick<PropertyDeps, 'store' | 'tenants'>,
  input: {
    propertyId: string;
    invitationId: string;
    username: string;
    mobile: string;
    expiresInDays?: number;
  },
  metadata: CommandMetadata,
): Promise<Written & { invitationId: string; tenantId: string }> {
  // Ownership first: otherwise anyone could test username + mobile pairs here.
  const property = await loadProperty(deps.store, input.propertyId);
  if (property.status === 'none') throw fail('PROPERTY_NOT_FOUND', 'no such property');
  if (property.ownerId !== metadata.actor)
    throw fail('NOT_OWNER', 'only the owner can invite a tenant');
  const tenant = await deps.tenants.findTenant(input.username, input.mobile);
  // One answer for "no such user" and "mobile does not match", so invitations cannot probe accounts.
  if (tenant === null) throw fail('TENANT_NOT_FOUND', 'no customer with that username and mobile');
  const data = {
    invitationId: input.invitationId,
    tenantId: tenant.accountId,
    expiresInDays: input.expiresInDays ?? DEFAULT_INVITATION_DAYS,
  };
  const { position } = await onProperty(
    deps.store,
    input.propertyId,
    command('InviteTenant', data, metadata),
  );
  return { position, invitationId: input.invitationId, tenantId: tenant.accountId };
}

type InvitationInput = { propertyId: string; invitationId: string };

export const revokeInvitation = (deps: Deps, input: InvitationInput, metadata: CommandMetadata) =>
  onProperty(
    deps.store,
    input.propertyId,
    command('RevokeInvitation', { invitationId: input.invitationId }, metadata),
  );

export const acceptInvitation = (deps: Deps, input: InvitationInput, metadata: CommandMetadata) =>
  onProperty(
    deps.store,
    input.propertyId,
    command('AcceptInvitation', { invitationId: input.invitationId }, metadata),
  );

export const declineInvitation = (deps: Deps, input: InvitationInput, metadata: CommandMetadata) =>
  onProperty(
    deps.store,
    input.propertyId,
    command('DeclineInvitation', { invitationId: input.invitationId }, metadata),
  );

export const removeTenant = (
  deps: Deps,
  input: { propertyId: string; tenantId: string },
  metadata: CommandMetadata,
) =>
  onProperty(
    deps.store,
    input.propertyId,
    command('RemoveTenant', { tenantId: input.tenantId }, metadata),
  );

export const leaveProperty = (
  deps: Deps,
  input: { propertyId: string },
  metadata: CommandMetadata,
) => onProperty(deps.store, input.propertyId, command('LeaveProperty', {}, metadata));

export const enableProperty = (
  deps: Deps,
  input: { propertyId: string },
  metadata: CommandMetadata,
): Promise<Written> =>
  staffOnProperty(deps, input.propertyId, command('EnableProperty', {}, metadata));

/** Billing (actor `system:…`): flag a first missed reading; the same run again is a no-op. */
export const flagMissedReading = (
  deps: Deps,
  input: { propertyId: string; runId: string; period: string },
  metadata: CommandMetadata,
) =>
  onProperty(
    deps.store,
    input.propertyId,
    command('FlagMissedReading', { runId: input.runId, period: input.period }, metadata),
  );

/** Billing (actor `system:…`): a successful read clears the flag. */
export const clearMissedReading = (
  deps: Deps,
  input: { propertyId: string; runId: string | null },
  metadata: CommandMetadata,
) =>
  onProperty(
    deps.store,
    input.propertyId,
    command('UnflagProperty', { runId: input.runId }, metadata),
  );

/**
 * Billing (actor `system:…`): a second consecutive miss disables the property
 * (it must be flagged) and then its meter. Retry-safe with the same command id.
 */
export async function disableForMissedReadings(
  deps: Deps,
  input: { propertyId: string; runId: string },
  metadata: CommandMetadata,
): Promise<Written> {
  const reason = 'second consecutive missed reading';
  const data = { runId: input.runId, reason };
  const result = await onProperty(
    deps.store,
    input.propertyId,
    command('DisableProperty', data, stepMetadata(metadata, 'property')),
  );
  const property = await loadProperty(deps.store, input.propertyId);
  if (property.status !== 'none' && property.meterId !== null)
    await disableMeter(
      deps,
      { meterId: property.meterId, reason },
      stepMetadata(metadata, 'meter'),
    );
  return result;
}

/**
 * Deactivates (owner or admin command) and releases the meter, so it stops
 * taking readings for a property that no longer exists and can be reused.
 */
export async function deactivateProperty(
  deps: Deps,
  input: { propertyId: string; by: 'owner' | 'admin' },
  metadata: CommandMetadata,
): Promise<Written> {
  const type = input.by === 'owner' ? 'DeactivateProperty' : 'AdminDeactivateProperty';
  if (input.by === 'admin') await requireStaff(deps.store, metadata.actor);
  const result = await onProperty(
    deps.store,
    input.propertyId,
    command(type, {}, stepMetadata(metadata, 'property')),
  );
  const property = await loadProperty(deps.store, input.propertyId);
  if (property.status === 'deactivated' && property.meterId !== null) {
    const release = {
      meterId: property.meterId,
      propertyId: input.propertyId,
      reason: 'property deactivated',
    };
    await releaseMeter(deps, release, stepMetadata(metadata, 'meter'));
  }
  return result;
}

/** The property side of the billing process's ports (src/commands/billing.ts). */
export const propertyBillingPorts = (
  deps: Deps,
): Pick<BillingPorts, 'flagProperty' | 'unflagProperty' | 'disableMeterAndProperty'> => ({
  async flagProperty({ propertyId, runId, period }, metadata) {
    await flagMissedReading(deps, { propertyId, runId, period }, metadata);
  },
  async unflagProperty({ propertyId, runId }, metadata) {
    await clearMissedReading(deps, { propertyId, runId }, metadata);
  },
  async disableMeterAndProperty({ propertyId, runId }, metadata) {
    await disableForMissedReadings(deps, { propertyId, runId }, metadata);
  },
});
