// Given/when/then specs for every ticket command, each rejection, and the
// status machine open → acknowledged → assigned → resolved → closed (+ reopen).

import { describe, expect, it } from 'vitest';
import { given } from '../../support/decider-spec.ts';
import {
  ticketDecider as decider,
  ticketEvents,
  type ActorRole,
  type TicketCommand,
  type TicketEvent,
} from '../../../src/domain/ticket/index.ts';

const T0 = '2026-03-01T10:00:00.000Z';
const customer = 'acct-customer';
const otherCustomer = 'acct-neighbour';
const admin = 'acct-admin';

describe('OpenTicket', () => {
  it('opens a ticket with trimmed subject and text', () => {
    given(decider)
      .when(open({ subject: '  Meter offline ', text: ' No readings since Monday ' }))
      .then([opened({ subject: 'Meter offline', text: 'No readings since Monday' })]);
  });

  it('masks an Aadhaar number typed into the text', () => {
    const outcome = given(decider).when(open({ text: 'My Aadhaar is 2345 6789 0124, please fix' }))
      .outcome as TicketEvent[];
    expect(outcome[0]!.data).toMatchObject({ text: 'My Aadhaar is XXXX XXXX 0124, please fix' });
  });

  it('counts characters, not UTF-16 units, against the subject limit', () => {
    const outcome = given(decider).when(open({ subject: 'बि'.repeat(60) })).outcome;
    expect(outcome).toHaveLength(1);
  });

  it.each([
    ['an existing ticket id', [opened()], {}, 'TICKET_EXISTS'],
    ['a blank property id', [], { propertyId: ' ' }, 'INVALID_TICKET'],
    ['an unknown category', [], { category: 'gossip' }, 'INVALID_CATEGORY'],
    ['an empty subject', [], { subject: '   ' }, 'INVALID_SUBJECT'],
    ['a 121-character subject', [], { subject: 'x'.repeat(121) }, 'INVALID_SUBJECT'],
    ['an empty text', [], { text: '' }, 'INVALID_TEXT'],
    ['a 4001-character text', [], { text: 'x'.repeat(4001) }, 'INVALID_TEXT'],
  ])('rejects %s', (_name, history, patch, code) => {
    given(decider, history as TicketEvent[])
      .when(open(patch as Partial<OpenData>))
      .thenFails(code);
  });
});

describe('CommentOnTicket', () => {
  it('records the opener’s comment with author and role', () => {
    given(decider, [opened()])
      .when(cmd('CommentOnTicket', customer, 'customer', { text: 'Still offline' }))
      .then([
        ev('TicketCommented', {
          author: customer,
          authorRole: 'customer',
          text: 'Still offline',
          commentedAt: T0,
        }),
      ]);
  });

  it('records a staff comment', () => {
    given(decider, [opened(), acknowledged()])
      .when(cmd('CommentOnTicket', admin, 'staff', { text: 'Technician booked' }))
      .then([
        ev('TicketCommented', {
          author: admin,
          authorRole: 'staff',
          text: 'Technician booked',
          commentedAt: T0,
        }),
      ]);
  });

  it.each([
    ['another customer', [opened()], otherCustomer, 'customer', 'hi', 'NOT_TICKET_OWNER'],
    ['a closed ticket', closedHistory(), customer, 'customer', 'hi', 'TICKET_CLOSED'],
    ['an empty comment', [opened()], customer, 'customer', ' ', 'INVALID_TEXT'],
    ['an overlong comment', [opened()], admin, 'staff', 'x'.repeat(4001), 'INVALID_TEXT'],
    ['no such ticket', [], customer, 'customer', 'hi', 'TICKET_NOT_FOUND'],
    ['an unknown role', [opened()], customer, 'owner', 'hi', 'INVALID_ROLE'],
  ])('rejects %s', (_name, history, actor, role, text, code) => {
    given(decider, history as TicketEvent[])
      .when(cmd('CommentOnTicket', actor, role as ActorRole, { text }))
      .thenFails(code);
  });
});

describe('AcknowledgeTicket', () => {
  it('staff acknowledge an open ticket', () => {
    given(decider, [opened()])
      .when(cmd('AcknowledgeTicket', admin, 'staff', {}))
      .then([acknowledged()]);
  });
  it('rejects a customer', () => {
    given(decider, [opened()])
      .when(cmd('AcknowledgeTicket', customer, 'customer', {}))
      .thenFails('STAFF_ONLY');
  });
  it('rejects acknowledging twice', () => {
    given(decider, [opened(), acknowledged()])
      .when(cmd('AcknowledgeTicket', admin, 'staff', {}))
      .thenFails('ILLEGAL_TRANSITION');
  });
});

describe('AssignTicket', () => {
  it('assigns an acknowledged ticket to an admin', () => {
    given(decider, [opened(), acknowledged()])
      .when(assign('acct-tech'))
      .then([assigned('acct-tech')]);
  });
  it('reassigns to another admin, and treats the same assignee as a retry', () => {
    given(decider, [opened(), acknowledged(), assigned('acct-tech')])
      .when(assign('acct-b'))
      .then([assigned('acct-b')]);
    given(decider, [opened(), acknowledged(), assigned('acct-tech')])
      .when(assign('acct-tech'))
      .then([]);
  });
  it('assigns a reopened ticket again', () => {
    given(decider, [...resolvedHistory(), reopened()])
      .when(assign('acct-tech'))
      .then([assigned('acct-tech')]);
  });
  it.each([
    [
      'an open ticket (not yet acknowledged)',
      [opened()],
      'staff',
      'acct-tech',
      'ILLEGAL_TRANSITION',
    ],
    ['a resolved ticket', resolvedHistory(), 'staff', 'acct-tech', 'ILLEGAL_TRANSITION'],
    ['a blank assignee', [opened(), acknowledged()], 'staff', ' ', 'INVALID_ASSIGNEE'],
    ['a customer', [opened(), acknowledged()], 'customer', 'acct-tech', 'STAFF_ONLY'],
  ])('rejects %s', (_name, history, role, assignee, code) => {
    given(decider, history as TicketEvent[])
      .when(
        cmd('AssignTicket', role === 'staff' ? admin : customer, role as ActorRole, { assignee }),
      )
      .thenFails(code);
  });
});

describe('ResolveTicket', () => {
  it('staff resolve an assigned ticket with a note', () => {
    given(decider, [opened(), acknowledged(), assigned('acct-tech')])
      .when(cmd('ResolveTicket', admin, 'staff', { resolution: 'Replaced the antenna' }))
      .then([resolved()]);
  });
  it.each([
    ['an unassigned ticket', [opened(), acknowledged()], 'staff', 'done', 'ILLEGAL_TRANSITION'],
    [
      'an empty note',
      [opened(), acknowledged(), assigned('acct-tech')],
      'staff',
      '  ',
      'INVALID_TEXT',
    ],
    [
      'a customer',
      [opened(), acknowledged(), assigned('acct-tech')],
      'customer',
      'done',
      'STAFF_ONLY',
    ],
  ])('rejects %s', (_name, history, role, resolution, code) => {
    given(decider, history as TicketEvent[])
      .when(
        cmd('ResolveTicket', role === 'staff' ? admin : customer, role as ActorRole, {
          resolution,
        }),
      )
      .thenFails(code);
  });
});

describe('CloseTicket', () => {
  it('the opener closes a resolved ticket', () => {
    given(decider, resolvedHistory())
      .when(cmd('CloseTicket', customer, 'customer', {}))
      .then([ev('TicketClosed', { by: customer, byRole: 'customer', closedAt: T0 })]);
  });
  it('staff close a resolved ticket', () => {
    given(decider, resolvedHistory())
      .when(cmd('CloseTicket', admin, 'staff', {}))
      .then([ev('TicketClosed', { by: admin, byRole: 'staff', closedAt: T0 })]);
  });
  it.each([
    ['another customer', resolvedHistory(), otherCustomer, 'customer', 'NOT_TICKET_OWNER'],
    ['an unresolved ticket', [opened(), acknowledged()], admin, 'staff', 'ILLEGAL_TRANSITION'],
    ['a closed ticket', closedHistory(), customer, 'customer', 'ILLEGAL_TRANSITION'],
  ])('rejects %s', (_name, history, actor, role, code) => {
    given(decider, history as TicketEvent[])
      .when(cmd('CloseTicket', actor, role as ActorRole, {}))
      .thenFails(code);
  });
});

describe('ReopenTicket', () => {
  it('the opener reopens a resolved or closed ticket within the window', () => {
    given(decider, resolvedHistory())
      .when(reopen(customer, 'customer', 14))
      .then([reopened(14)]);
    given(decider, closedHistory())
      .when(reopen(customer, 'customer', 3))
      .then([reopened(3)]);
  });
  it('goes back through assign and resolve after reopening', () => {
    const history = [...resolvedHistory(), reopened(), assigned('acct-tech')];
    given(decider, history)
      .when(cmd('ResolveTicket', admin, 'staff', { resolution: 'Replaced the antenna' }))
      .then([resolved()]);
  });
  it.each([
    [
      'after the window',
      resolvedHistory(),
      customer,
      'customer',
      15,
      'fix it',
      'REOPEN_WINDOW_EXPIRED',
    ],
    ['by staff', resolvedHistory(), admin, 'staff', 1, 'fix it', 'NOT_TICKET_OWNER'],
    [
      'by another customer',
      resolvedHistory(),
      otherCustomer,
      'customer',
      1,
      'x',
      'NOT_TICKET_OWNER',
    ],
    [
      'an unresolved ticket',
      [opened(), acknowledged()],
      customer,
      'customer',
      1,
      'x',
      'ILLEGAL_TRANSITION',
    ],
    [
      'a ticket already reopened',
      [...resolvedHistory(), reopened()],
      customer,
      'customer',
      1,
      'x',
      'ILLEGAL_TRANSITION',
    ],
    ['without a reason', resolvedHistory(), customer, 'customer', 1, ' ', 'INVALID_TEXT'],
  ])('rejects reopening %s', (_name, history, actor, role, days, reason, code) => {
    given(decider, history as TicketEvent[])
      .when(reopen(actor, role as ActorRole, days, reason))
      .thenFails(code);
  });
});

describe('ticket catalog', () => {
  it('every event the decider emits over a full life matches its catalog schema', () => {
    const commands: TicketCommand[] = [
      open(),
      cmd('CommentOnTicket', customer, 'customer', { text: 'Still offline' }),
      cmd('AcknowledgeTicket', admin, 'staff', {}),
      assign('acct-tech'),
      cmd('ResolveTicket', admin, 'staff', { resolution: 'Replaced the antenna' }),
      cmd('CloseTicket', customer, 'customer', {}),
      reopen(customer, 'customer', 2),
    ];
    let state = decider.initialState;
    for (const command of commands) {
      const events = decider.decide(command, state);
      if (events instanceof Error) throw events;
      expect(events).toHaveLength(1);
      for (const event of events) {
        expect(ticketEvents.schemas[event.type].safeParse(event.data).success).toBe(true);
        state = decider.evolve(state, event);
      }
    }
    expect(state.status).toBe('reopened');
  });
});

// Fixtures

type OpenData = Extract<TicketCommand, { type: 'OpenTicket' }>['data'];

function daysAfter(days: number): string {
  return new Date(Date.parse(T0) + days * 86_400_000).toISOString();
}

function open(patch: Partial<OpenData> = {}): TicketCommand {
  return {
    type: 'OpenTicket',
    data: {
      ticketId: 't-1',
      propertyId: 'p-1',
      openedBy: customer,
      category: 'meter',
      subject: 'Meter offline',
      text: 'No readings since Monday',
      ...patch,
    },
    metadata: { now: T0, commandId: 'c-open', actor: customer },
  };
}

function cmd<T extends Exclude<TicketCommand, { type: 'OpenTicket' }>['type']>(
  type: T,
  actor: string,
  role: ActorRole,
  data: object,
  now = T0,
): TicketCommand {
  return {
    type,
    data: { role, ...data },
    metadata: { now, commandId: `c-${type}`, actor },
  } as TicketCommand;
}

const assign = (assignee: string) => cmd('AssignTicket', admin, 'staff', { assignee });
const reopen = (actor: string, role: ActorRole, days: number, reason = 'Offline again') =>
  cmd('ReopenTicket', actor, role, { reason }, daysAfter(days));

function ev<T extends TicketEvent['type']>(
  type: T,
  data: Extract<TicketEvent, { type: T }>['data'],
): TicketEvent {
  return { type, data } as TicketEvent;
}

function opened(patch: Partial<OpenData> = {}): TicketEvent {
  const { ticketId, propertyId, openedBy, category, subject, text } = (
    open(patch) as Extract<TicketCommand, { type: 'OpenTicket' }>
  ).data;
  return ev('TicketOpened', {
    ticketId,
    propertyId,
    openedBy,
    category,
    subject,
    text,
    openedAt: T0,
  });
}
const acknowledged = () => ev('TicketAcknowledged', { by: admin, acknowledgedAt: T0 });
const assigned = (assignee: string) =>
  ev('TicketAssigned', { assignee, by: admin, assignedAt: T0 });
const resolved = () =>
  ev('TicketResolved', { by: admin, resolution: 'Replaced the antenna', resolvedAt: T0 });
const reopened = (days = 1) =>
  ev('TicketReopened', { by: customer, reason: 'Offline again', reopenedAt: daysAfter(days) });

function resolvedHistory(): TicketEvent[] {
  return [opened(), acknowledged(), assigned('acct-tech'), resolved()];
}
function closedHistory(): TicketEvent[] {
  return [
    ...resolvedHistory(),
    ev('TicketClosed', { by: customer, byRole: 'customer', closedAt: T0 }),
  ];
}
