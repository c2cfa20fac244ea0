// Ticket services on real Postgres: who may open a ticket (owner or tenant of
// the property), role checks from the actor's account, the full lifecycle
// including reopen, and idempotent retries.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/commands/handle-command.ts';
import {
  acknowledgeTicket,
  assignTicket,
  canRaiseTicket,
  closeTicket,
  commentOnTicket,
  openTicket,
  reopenTicket,
  resolveTicket,
  ticketOf,
} from '../../src/commands/tickets.ts';
import {
  accountDecider,
  accountStream,
  BOOTSTRAP_ACTOR,
  type Role,
} from '../../src/domain/account/index.ts';
import { propertyDecider, propertyStream } from '../../src/domain/property/index.ts';
import type { CommandMetadata } from '../../src/domain/shared/decider.ts';
import { ticketStream } from '../../src/domain/ticket/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

let testStore: PostgresTestStore;
let store: EventStore;
const ids = {
  owner: randomUUID(),
  tenant: randomUUID(),
  stranger: randomUUID(),
  admin: randomUUID(),
  technician: randomUUID(),
  property: randomUUID(),
};

beforeAll(async () => {
  testStore = await createPostgresTestStore();
  store = testStore.store;
  for (const id of [ids.owner, ids.tenant, ids.stranger]) await register(id, 'customer');
  for (const id of [ids.admin, ids.technician]) await register(id, 'admin');
  await property('AddProperty', ids.owner, {
    propertyId: ids.property,
    ownerId: ids.owner,
    kind: 'residential',
    address: { v: 1, subject: ids.owner, iv: 'aXY', ct: 'Y3Q' },
    city: 'Pune',
    state: 'MH',
    pincode: '411001',
  });
  await property('ApproveProperty', ids.admin, { gatewayId: randomUUID(), meterId: randomUUID() });
  await property('InviteTenant', ids.owner, {
    invitationId: 'inv-1',
    tenantId: ids.tenant,
    expiresInDays: 7,
  });
  await property('AcceptInvitation', ids.tenant, { invitationId: 'inv-1' });
});

afterAll(async () => {
  await testStore?.close();
});

describe('ticket services', () => {
  it('lets the owner and the tenant raise tickets, and nobody else', async () => {
    expect(await canRaiseTicket(store, ids.owner, ids.property)).toBe(true);
    expect(await canRaiseTicket(store, ids.tenant, ids.property)).toBe(true);
    expect(await canRaiseTicket(store, ids.stranger, ids.property)).toBe(false);
    expect(await canRaiseTicket(store, ids.owner, randomUUID())).toBe(false);

    const byTenant = await openTicket({ store }, newTicket(), meta(ids.tenant));
    expect(byTenant.events).toHaveLength(1);
    await expect(openTicket({ store }, newTicket(), meta(ids.stranger))).rejects.toMatchObject({
      code: 'NOT_PROPERTY_MEMBER',
    });
    await expect(openTicket({ store }, newTicket(), meta(randomUUID()))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('runs a ticket through its whole life, reopen included', async () => {
    const { ticketId } = await openTicket({ store }, newTicket(), meta(ids.owner));
    const deps = { store };
    await commentOnTicket(deps, { ticketId, text: 'Still no readings' }, meta(ids.owner));
    await acknowledgeTicket(deps, { ticketId }, meta(ids.admin));
    await assignTicket(deps, { ticketId, assignee: ids.technician }, meta(ids.admin));
    await commentOnTicket(deps, { ticketId, text: 'Visiting tomorrow' }, meta(ids.technician));
    await resolveTicket(deps, { ticketId, resolution: 'Antenna replaced' }, meta(ids.technician));
    await closeTicket(deps, { ticketId }, meta(ids.owner));
    await reopenTicket(deps, { ticketId, reason: 'Offline again' }, meta(ids.owner, 3));
    await assignTicket(deps, { ticketId, assignee: ids.technician }, meta(ids.admin, 3));

    const ticket = await ticketOf(store, ticketId);
    expect(ticket).toMatchObject({ status: 'assigned', assignee: ids.technician, commentCount: 2 });
    const stored = await store.readStream(ticketStream(ticketId));
    expect(stored.map((e) => e.type)).toEqual([
      'TicketOpened',
      'TicketCommented',
      'TicketAcknowledged',
      'TicketAssigned',
      'TicketCommented',
      'TicketResolved',
      'TicketClosed',
      'TicketReopened',
      'TicketAssigned',
    ]);
    expect(stored[4]!.data).toMatchObject({ author: ids.technician, authorRole: 'staff' });
  });

  it('enforces roles from the actor’s account', async () => {
    const { ticketId } = await openTicket({ store }, newTicket(), meta(ids.owner));
    await expect(acknowledgeTicket({ store }, { ticketId }, meta(ids.owner))).rejects.toMatchObject(
      {
        code: 'STAFF_ONLY',
      },
    );
    await expect(
      commentOnTicket({ store }, { ticketId, text: 'me too' }, meta(ids.stranger)),
    ).rejects.toMatchObject({ code: 'NOT_TICKET_OWNER' });
    await acknowledgeTicket({ store }, { ticketId }, meta(ids.admin));
    await expect(
      assignTicket({ store }, { ticketId, assignee: ids.owner }, meta(ids.admin)),
    ).rejects.toMatchObject({ code: 'ASSIGNEE_NOT_STAFF' });
    await expect(
      assignTicket({ store }, { ticketId, assignee: ids.technician }, meta(ids.owner)),
    ).rejects.toMatchObject({ code: 'STAFF_ONLY' });
    await expect(
      commentOnTicket({ store }, { ticketId: randomUUID(), text: 'hi' }, meta(ids.owner)),
    ).rejects.toMatchObject({ code: 'TICKET_NOT_FOUND' });
  });

  it('a retried open (same command id) appends nothing new', async () => {
    const input = newTicket();
    const metadata = meta(ids.owner);
    const first = await openTicket({ store }, input, metadata);
    const retry = await openTicket({ store }, input, metadata);
    expect(retry.events).toEqual([]);
    expect(retry.position).toBe(first.position);
    expect(await store.readStream(ticketStream(input.ticketId))).toHaveLength(1);
  });
});

// Fixtures

function meta(actor: string, daysLater = 0): CommandMetadata {
  const now = new Date(Date.parse('2026-04-01T10:00:00.000Z') + daysLater * 86_400_000);
  return { now: now.toISOString(), commandId: randomUUID(), actor };
}

function newTicket() {
  return {
    ticketId: randomUUID(),
    propertyId: ids.property,
    category: 'meter' as const,
    subject: 'Meter offline',
    text: 'No readings since Monday',
  };
}

async function register(accountId: string, role: Role): Promise<void> {
  await handleCommand(store, accountStream(accountId), accountDecider, {
    type: 'RegisterAccount',
    data: {
      actorRoles: [],
      accountId,
      username: `user_${accountId.slice(0, 8)}`,
      role,
      personal: { v: 1, subject: accountId, iv: 'aXY', ct: 'Y3Q' },
      emailLookup: `lookup-${accountId}`,
      consentGivenAt: '2026-01-01T00:00:00.000Z',
    },
    metadata: {
      ...meta(role === 'customer' ? accountId : BOOTSTRAP_ACTOR),
      now: '2026-01-01T00:00:00.000Z',
    },
  });
}

async function property(type: string, actor: string, data: object): Promise<void> {
  await handleCommand(store, propertyStream(ids.property), propertyDecider, {
    type,
    data,
    metadata: meta(actor),
  } as Parameters<typeof propertyDecider.decide>[0]);
}
