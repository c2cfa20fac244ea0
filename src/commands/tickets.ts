// Application services for support tickets (`ticket-<ticketId>`). The service
// establishes who is acting before the decider runs: a ticket is opened only
// by the property's owner or current tenant (read from `property-<id>`), and
// the acting role comes from the actor's account (`account-<id>`): an enabled
// admin or superuser acts as staff, anyone else as a customer. An account
// holding a staff role therefore always acts as staff, even on a ticket it
// opened about its own home; it cannot reopen its own tickets as a customer.

import {
  accountDecider,
  accountStream,
  type AccountState,
  type Role,
} from '../domain/account/index.ts';
import { propertyDecider, propertyStream } from '../domain/property/index.ts';
import { DomainError, type CommandMetadata } from '../domain/shared/decider.ts';
import {
  ticketDecider,
  ticketStream,
  type ActorRole,
  type TicketCategory,
  type TicketCommand,
  type TicketEvent,
  type TicketState,
} from '../domain/ticket/index.ts';
import type { EventStore } from '../eventstore/port.ts';
import { foldStream, handleCommand } from './handle-command.ts';

export interface TicketDeps {
  store: EventStore;
}

export type TicketServiceErrorCode = 'FORBIDDEN' | 'NOT_PROPERTY_MEMBER' | 'ASSIGNEE_NOT_STAFF';

export interface TicketResult {
  ticketId: string;
  /** Global position written (or of the original write for a retry); null when nothing was. */
  position: string | null;
  events: TicketEvent[];
}

export interface OpenTicketInput {
  ticketId: string;
  propertyId: string;
  category: TicketCategory;
  subject: string;
  text: string;
}

const STAFF_ROLES: readonly Role[] = ['admin', 'superuser'];

const deny = (code: TicketServiceErrorCode, message: string) =>
  new DomainError<TicketServiceErrorCode>(code, message);

const accountOf = (store: EventStore, accountId: string): Promise<AccountState> =>
  foldStream(store, accountStream(accountId), accountDecider);

const isStaff = (account: AccountState): boolean =>
  account.status === 'active' && account.roles.some((role) => STAFF_ROLES.includes(role));

/** Staff or customer; throws FORBIDDEN for an unknown, disabled or forgotten account. */
async function actingRole(store: EventStore, actor: string): Promise<ActorRole> {
  const account = await accountOf(store, actor);
  if (account.status !== 'active')
    throw deny('FORBIDDEN', 'only an enabled account may act on tickets');
  return isStaff(account) ? 'staff' : 'customer';
}

/** True when the account is the owner or the current tenant of the property. */
export async function canRaiseTicket(
  store: EventStore,
  accountId: string,
  propertyId: string,
): Promise<boolean> {
  const property = await foldStream(store, propertyStream(propertyId), propertyDecider);
  if (property.status === 'none') return false;
  return property.ownerId === accountId || property.tenantId === accountId;
}

async function run(
  store: EventStore,
  ticketId: string,
  command: TicketCommand,
): Promise<TicketResult> {
  const result = await handleCommand(store, ticketStream(ticketId), ticketDecider, command);
  return { ticketId, position: result.position, events: result.events };
}

export async function openTicket(
  deps: TicketDeps,
  input: OpenTicketInput,
  metadata: CommandMetadata,
): Promise<TicketResult> {
  await actingRole(deps.store, metadata.actor);
  if (!(await canRaiseTicket(deps.store, metadata.actor, input.propertyId)))
    throw deny('NOT_PROPERTY_MEMBER', 'tickets are raised by the owner or tenant of the property');
  return run(deps.store, input.ticketId, {
    type: 'OpenTicket',
    data: { ...input, openedBy: metadata.actor },
    metadata,
  });
}

export async function commentOnTicket(
  deps: TicketDeps,
  input: { ticketId: string; text: string },
  metadata: CommandMetadata,
): Promise<TicketResult> {
  const role = await actingRole(deps.store, metadata.actor);
  return run(deps.store, input.ticketId, {
    type: 'CommentOnTicket',
    data: { role, text: input.text },
    metadata,
  });
}

export async function acknowledgeTicket(
  deps: TicketDeps,
  input: { ticketId: string },
  metadata: CommandMetadata,
): Promise<TicketResult> {
  const role = await actingRole(deps.store, metadata.actor);
  return run(deps.store, input.ticketId, { type: 'AcknowledgeTicket', data: { role }, metadata });
}

export async function assignTicket(
  deps: TicketDeps,
  input: { ticketId: string; assignee: string },
  metadata: CommandMetadata,
): Promise<TicketResult> {
  const role = await actingRole(deps.store, metadata.actor);
  // Only a staff actor gets this far in the decider, so only then is the assignee worth a read.
  if (role === 'staff' && !isStaff(await accountOf(deps.store, input.assignee)))
    throw deny('ASSIGNEE_NOT_STAFF', 'tickets are assigned to an enabled admin');
  return run(deps.store, input.ticketId, {
    type: 'AssignTicket',
    data: { role, assignee: input.assignee },
    metadata,
  });
}

export async function resolveTicket(
  deps: TicketDeps,
  input: { ticketId: string; resolution: string },
  metadata: CommandMetadata,
): Promise<TicketResult> {
  const role = await actingRole(deps.store, metadata.actor);
  return run(deps.store, input.ticketId, {
    type: 'ResolveTicket',
    data: { role, resolution: input.resolution },
    metadata,
  });
}

export async function closeTicket(
  deps: TicketDeps,
  input: { ticketId: string },
  metadata: CommandMetadata,
): Promise<TicketResult> {
  const role = await actingRole(deps.store, metadata.actor);
  return run(deps.store, input.ticketId, { type: 'CloseTicket', data: { role }, metadata });
}

export async function reopenTicket(
  deps: TicketDeps,
  input: { ticketId: string; reason: string },
  metadata: CommandMetadata,
): Promise<TicketResult> {
  const role = await actingRole(deps.store, metadata.actor);
  return run(deps.store, input.ticketId, {
    type: 'ReopenTicket',
    data: { role, reason: input.reason },
    metadata,
  });
}

/** The folded ticket (status `none` if there is no such ticket). */
export function ticketOf(store: EventStore, ticketId: string): Promise<TicketState> {
  return foldStream(store, ticketStream(ticketId), ticketDecider);
}
