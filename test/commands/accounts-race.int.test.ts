// The uniqueness races on real Postgres: many sign-ups claiming the same email
// (or username) at the same moment, through two separate store instances as
// two web processes would. Exactly one wins; every other gets the typed error;
// no losing account stream is ever written.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findAccountIdByEmail,
  findAccountIdByUsername,
  registerAccount,
} from '../../src/commands/accounts.ts';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { accountStream } from '../../src/domain/account/index.ts';
import { openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { createAccountsFixture, meta, signUp, type AccountsFixture } from './accounts-fixture.ts';

let fx: AccountsFixture;
let secondDb: SqlDatabase;
let secondStore: EventStore;
beforeAll(async () => {
  fx = await createAccountsFixture();
  secondDb = postgresDatabase(fx.testStore.database.url);
  secondStore = openPostgresEventStore(secondDb);
});
afterAll(async () => {
  await secondStore?.close();
  await secondDb?.close();
  await fx?.close();
});

const CONTENDERS = 8;
const storeFor = (i: number) => (i % 2 === 0 ? fx.store : secondStore);

async function race(inputs: ReturnType<typeof signUp>[]) {
  const outcomes = await Promise.allSettled(
    inputs.map((input, i) => registerAccount({ ...fx, store: storeFor(i) }, input, meta())),
  );
  const winners = inputs.filter((_, i) => outcomes[i]!.status === 'fulfilled');
  const codes = outcomes
    .filter((o) => o.status === 'rejected')
    .map((o) => (o as PromiseRejectedResult).reason as { code?: string });
  const streams = await Promise.all(
    inputs.map((input) => fx.store.readStream(accountStream(input.accountId))),
  );
  return {
    winners,
    codes: codes.map((e) => e.code),
    accountStreams: streams.filter((s) => s.length > 0),
  };
}

describe('unique sign-up races', () => {
  it('same email at once: exactly one account, the rest EMAIL_TAKEN, their usernames freed', async () => {
    const email = `race.${randomUUID()}@example.in`;
    const inputs = Array.from({ length: CONTENDERS }, () => signUp({ email }));
    const { winners, codes, accountStreams } = await race(inputs);
    expect(winners).toHaveLength(1);
    expect(codes).toEqual(Array(CONTENDERS - 1).fill('EMAIL_TAKEN'));
    expect(accountStreams).toHaveLength(1);
    expect(await findAccountIdByEmail(fx, email)).toBe(winners[0]!.accountId);
    for (const loser of inputs.filter((input) => input !== winners[0]))
      expect(await findAccountIdByUsername(fx.store, loser.username)).toBeNull();
  });

  it('same username at once: exactly one account, the rest USERNAME_TAKEN, no email claimed by losers', async () => {
    const username = `race-${randomUUID().slice(0, 8)}`;
    const inputs = Array.from({ length: CONTENDERS }, () => signUp({ username }));
    const { winners, codes, accountStreams } = await race(inputs);
    expect(winners).toHaveLength(1);
    expect(codes).toEqual(Array(CONTENDERS - 1).fill('USERNAME_TAKEN'));
    expect(accountStreams).toHaveLength(1);
    expect(await findAccountIdByUsername(fx.store, username)).toBe(winners[0]!.accountId);
    for (const loser of inputs.filter((input) => input !== winners[0]))
      expect(await findAccountIdByEmail(fx, loser.email)).toBeNull();
  });

  it('a stalled sign-up finishing while another reclaims its claim: exactly one gets the username', async () => {
    for (let round = 0; round < 4; round++) {
      const stalled = signUp();
      const m = meta();
      const crashing = { ...fx.vault, seal: () => Promise.reject(new Error('died')) };
      await expect(registerAccount({ ...fx, vault: crashing }, stalled, m)).rejects.toThrow('died');
      const rival = signUp({ username: stalled.username });
      const stale = { ...meta(), now: new Date(Date.parse(m.now) + 20 * 60_000).toISOString() };
      const [retry, claim] = await Promise.allSettled([
        registerAccount({ ...fx, store: storeFor(0) }, stalled, m),
        registerAccount({ ...fx, store: storeFor(1) }, rival, stale),
      ]);
      const holder = await findAccountIdByUsername(fx.store, stalled.username);
      const registeredStreams = (
        await Promise.all(
          [stalled, rival].map((s) => fx.store.readStream(accountStream(s.accountId))),
        )
      ).filter((events) => events.some((e) => e.type === 'AccountRegistered'));
      expect(registeredStreams).toHaveLength(1);
      if (retry.status === 'fulfilled') {
        expect(holder).toBe(stalled.accountId);
        expect(claim).toMatchObject({ status: 'rejected', reason: { code: 'USERNAME_TAKEN' } });
      } else {
        expect(holder).toBe(rival.accountId);
        expect(claim.status).toBe('fulfilled');
        expect(retry).toMatchObject({
          reason: { code: expect.stringMatching(/REGISTRATION_ABANDONED|USERNAME_TAKEN/) },
        });
      }
    }
  });

  it('the same command retried concurrently writes one set of events', async () => {
    const input = signUp();
    const m = meta();
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => registerAccount({ ...fx, store: storeFor(i) }, input, m)),
    );
    expect(new Set(results.map((r) => r.accountId))).toEqual(new Set([input.accountId]));
    expect(await fx.store.readStream(accountStream(input.accountId))).toHaveLength(1);
    expect(await fx.store.readStream(`username-${input.username}`)).toHaveLength(1);
  });
});
