// Uniqueness of usernames and emails, enforced by the event store rather than a
// read model: one stream per claimed value (`username-<normalised>`,
// `email-<hmac of normalised email>`), appended with an expected revision, so
// of two concurrent claims exactly one append succeeds. Both categories share
// the same two events and this one decider.

import { z } from 'zod';
import { DomainError, type Command, type Decider } from '../shared/decider.ts';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

const iso = z.iso.datetime({ offset: true });
const RELEASE_REASONS = ['claim_abandoned', 'email_changed', 'forgotten'] as const;
const reservationSchemas = {
  // reclaimedFrom: the abandoned sign-up whose stale claim this one replaced.
  Reserved: z.object({ accountId: z.uuid(), reclaimedFrom: z.uuid().nullable(), at: iso }),
  Released: z.object({ accountId: z.uuid(), reason: z.enum(RELEASE_REASONS), at: iso }),
};

export const usernameReservationEvents = defineEvents(
  'username',
  'Claim on one normalised username; the stream id is the username itself.',
  reservationSchemas,
);
export const emailReservationEvents = defineEvents(
  'email',
  'Claim on one email address; the stream id is an HMAC of the normalised email, never the email.',
  reservationSchemas,
);

export type ReservationKind = 'username' | 'email';
export type ReleaseReason = (typeof RELEASE_REASONS)[number];
export type ReservationEvent = EventsOf<typeof usernameReservationEvents>;
export type ReservationState =
  { status: 'free' } | { status: 'held'; accountId: string; reservedAt: string };
export type ReservationErrorCode = 'USERNAME_TAKEN' | 'EMAIL_TAKEN';

export type ReservationCommand =
  | Command<
      'Reserve',
      {
        kind: ReservationKind;
        accountId: string;
        /** A holder the service has shown to be an abandoned sign-up, whose claim may be taken. */
        abandonedHolder: string | null;
      }
    >
  | Command<'Release', { accountId: string; reason: ReleaseReason }>;

/** `key` is the normalised username, or the email's lookup HMAC (hex). */
export const reservationStream = (kind: ReservationKind, key: string): string =>
  streamName(kind, key);

export function evolveReservation(
  _state: ReservationState,
  event: ReservationEvent,
): ReservationState {
  switch (event.type) {
    case 'Reserved':
      return { status: 'held', accountId: event.data.accountId, reservedAt: event.data.at };
    case 'Released':
      return { status: 'free' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export function decideReservation(
  command: ReservationCommand,
  state: ReservationState,
): ReservationEvent[] | DomainError<ReservationErrorCode> {
  const { now } = command.metadata;
  switch (command.type) {
    case 'Reserve': {
      const { kind, accountId, abandonedHolder } = command.data;
      if (state.status === 'held' && state.accountId !== abandonedHolder) {
        // The same account claiming again is a retry of its own registration.
        if (state.accountId === accountId) return [];
        return kind === 'username'
          ? new DomainError('USERNAME_TAKEN', 'that username is taken')
          : new DomainError('EMAIL_TAKEN', 'an account with that email already exists');
      }
      const reclaimedFrom = state.status === 'held' ? state.accountId : null;
      return [{ type: 'Reserved', data: { accountId, reclaimedFrom, at: now } }];
    }
    case 'Release': {
      const { accountId, reason } = command.data;
      // Only the holder releases; anything else is a late retry with nothing to do.
      if (state.status !== 'held' || state.accountId !== accountId) return [];
      return [{ type: 'Released', data: { accountId, reason, at: now } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

/** How long a claim may wait for its account before another sign-up may reclaim it. */
export const STALE_CLAIM_MS = 15 * 60_000;

/** Held by an account that still is not registered after STALE_CLAIM_MS (the caller checks the account). */
export const isStaleClaim = (state: ReservationState, now: string): boolean =>
  state.status === 'held' && Date.parse(now) - Date.parse(state.reservedAt) >= STALE_CLAIM_MS;

export const reservationDecider: Decider<
  ReservationCommand,
  ReservationEvent,
  ReservationState,
  DomainError<ReservationErrorCode>
> = {
  decide: decideReservation,
  evolve: evolveReservation,
  initialState: { status: 'free' },
};
