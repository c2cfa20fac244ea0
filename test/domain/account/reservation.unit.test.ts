import { describe, expect, it } from 'vitest';
import {
  isStaleClaim,
  reservationDecider,
  STALE_CLAIM_MS,
  type ReservationCommand,
  type ReservationEvent,
} from '../../../src/domain/account/reservation.ts';
import { given } from '../../support/decider-spec.ts';

describe('reservation decider', () => {
  describe('Reserve', () => {
    it('claims a free value', () => {
      given(reservationDecider)
        .when(reserve('username', A))
        .then([reserved(A)]);
    });
    it('claims a value released earlier', () => {
      given(reservationDecider, [reserved(B), released(B)])
        .when(reserve('email', A))
        .then([reserved(A)]);
    });
    it('takes over a claim whose holder the service showed to be an abandoned sign-up', () => {
      given(reservationDecider, [reserved(B)])
        .when(reserve('username', A, B))
        .then([reserved(A, B)]);
    });
    it('does not take over when the abandoned account named is not the holder', () => {
      given(reservationDecider, [reserved(B)])
        .when(reserve('username', A, C))
        .thenFails('USERNAME_TAKEN');
    });
    it('is a no-op when the same account claims again (a retried registration)', () => {
      given(reservationDecider, [reserved(A)])
        .when(reserve('email', A))
        .then([]);
    });
    it('rejects a username held by another account', () => {
      given(reservationDecider, [reserved(B)])
        .when(reserve('username', A))
        .thenFails('USERNAME_TAKEN');
    });
    it('rejects an email held by another account', () => {
      given(reservationDecider, [reserved(B)])
        .when(reserve('email', A))
        .thenFails('EMAIL_TAKEN');
    });
  });

  describe('Release', () => {
    it('the holder releases', () => {
      given(reservationDecider, [reserved(A)])
        .when(release(A))
        .then([released(A)]);
    });
    it('does nothing when free or held by someone else', () => {
      given(reservationDecider).when(release(A)).then([]);
      given(reservationDecider, [reserved(A), released(A)])
        .when(release(A))
        .then([]);
      given(reservationDecider, [reserved(B)])
        .when(release(A))
        .then([]);
    });
  });

  it('a claim goes stale after STALE_CLAIM_MS', () => {
    const { state } = given(reservationDecider, [reserved(B)]);
    const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
    expect(isStaleClaim(state, at(STALE_CLAIM_MS - 1))).toBe(false);
    expect(isStaleClaim(state, at(STALE_CLAIM_MS))).toBe(true);
    expect(isStaleClaim(given(reservationDecider).state, at(STALE_CLAIM_MS))).toBe(false);
  });

  // Fixtures
  const A = '0b8f3c1e-7d2a-4c9b-9a61-2f4e5d6c7b8a';
  const B = '1c9a4d2f-8e3b-4dac-8b72-3a5f6e7d8c9b';
  const C = '2dab5e3a-9f4c-4ebd-9c83-4b6a7f8e9dac';
  const NOW = '2026-03-01T10:00:00.000Z';
  const metadata = { now: NOW, commandId: 'c1', actor: A };
  const reserve = (
    kind: 'username' | 'email',
    accountId: string,
    abandonedHolder: string | null = null,
  ): ReservationCommand => ({
    type: 'Reserve',
    data: { kind, accountId, abandonedHolder },
    metadata,
  });
  const release = (accountId: string): ReservationCommand => ({
    type: 'Release',
    data: { accountId, reason: 'email_changed' },
    metadata,
  });
  const reserved = (accountId: string, reclaimedFrom: string | null = null): ReservationEvent => ({
    type: 'Reserved',
    data: { accountId, reclaimedFrom, at: NOW },
  });
  const released = (accountId: string): ReservationEvent => ({
    type: 'Released',
    data: { accountId, reason: 'email_changed', at: NOW },
  });
});
