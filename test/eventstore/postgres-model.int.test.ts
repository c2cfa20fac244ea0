// Property test of the Postgres adapter against a model: random sequences of
// appends, group commits and retries, issued alternately through two store
// instances on one database (so each one's remembered stream heads go stale),
// must succeed or fail exactly as the model says and leave intact chains.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDatabase } from '../../src/db/postgres.ts';
import type { SqlDatabase } from '../../src/db/sql.ts';
import { verifyStore } from '../../src/eventstore/integrity.ts';
import { openPostgresEventStore } from '../../src/eventstore/postgres/index.ts';
import type { EventStore, ExpectedRevision, NewEvent } from '../../src/eventstore/port.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import { newEvents, streamName } from './contract-fixtures.ts';

type Expectation = 'any' | 'no_stream' | 'stream_exists' | 'current' | 'stale';
type Op =
  | { kind: 'append'; via: 0 | 1; stream: number; count: number; expect: Expectation }
  | {
      kind: 'appendMany';
      via: 0 | 1;
      parts: { stream: number; count: number; expect: Expectation }[];
    }
  | { kind: 'retry'; via: 0 | 1; pick: number };

const expectation = fc.constantFrom<Expectation>(
  'any',
  'no_stream',
  'stream_exists',
  'current',
  'stale',
);
const part = fc.record({
  stream: fc.nat(3),
  count: fc.integer({ min: 1, max: 3 }),
  expect: expectation,
});
const via = fc.constantFrom<0 | 1>(0, 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('append' as const),
    via,
    stream: fc.nat(3),
    count: fc.integer({ min: 1, max: 3 }),
    expect: expectation,
  }),
  fc.record({
    kind: fc.constant('appendMany' as const),
    via,
    parts: fc.array(part, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('retry' as const), via, pick: fc.nat() }),
);

/** Turns the abstract expectation into a concrete one against the model's revision. */
const concrete = (expect: Expectation, revision: number): ExpectedRevision => {
  if (expect === 'current') return Math.max(revision, 0);
  if (expect === 'stale') return Math.max(revision - 1, 0);
  return expect;
};
const holds = (expected: ExpectedRevision, revision: number): boolean =>
  expected === 'any' ||
  (expected === 'no_stream' && revision === -1) ||
  (expected === 'stream_exists' && revision >= 0) ||
  expected === revision;

describe('Postgres adapter against a model', () => {
  let fixture: PostgresTestStore;
  let secondDb: SqlDatabase;
  let stores: [EventStore, EventStore];
  beforeAll(async () => {
    fixture = await createPostgresTestStore();
    secondDb = postgresDatabase(fixture.database.url);
    stores = [fixture.store, openPostgresEventStore(secondDb)];
  });
  afterAll(async () => {
    await stores[1].close();
    await secondDb.close();
    await fixture.close();
  });

  it('matches the model for random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const names = [streamName(), streamName(), streamName(), streamName()];
        const revision = names.map(() => -1);
        const done: {
          via: 0 | 1;
          stream: number;
          events: NewEvent[];
          expected: ExpectedRevision;
          next: number;
        }[] = [];

        for (const step of ops) {
          const store = stores[step.via];
          if (step.kind === 'append') {
            const expected = concrete(step.expect, revision[step.stream]!);
            const events = newEvents(step.count);
            const ok = holds(expected, revision[step.stream]!);
            const attempt = store.append(names[step.stream]!, events, {
              expectedRevision: expected,
            });
            if (!ok) {
              await expect(attempt).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
              continue;
            }
            revision[step.stream]! += step.count;
            expect((await attempt).nextRevision).toBe(revision[step.stream]);
            done.push({
              via: step.via,
              stream: step.stream,
              events,
              expected,
              next: revision[step.stream]!,
            });
          } else if (step.kind === 'appendMany') {
            const planned = step.parts.map((p) => ({ ...p, events: newEvents(p.count) }));
            // Parts apply in order, so a later part sees the earlier ones' effect.
            const predicted = planned.map((p) => {
              const expected = concrete(p.expect, revision[p.stream]!);
              const ok = holds(expected, revision[p.stream]!);
              if (ok) revision[p.stream]! += p.count;
              return { expected, ok, next: revision[p.stream]! };
            });
            const outcomes = await store.appendMany(
              planned.map((p, i) => ({
                stream: names[p.stream]!,
                events: p.events,
                expectedRevision: predicted[i]!.expected,
              })),
            );
            outcomes.forEach((outcome, i) => {
              const want = predicted[i]!;
              expect(outcome.ok).toBe(want.ok);
              if (outcome.ok) {
                expect(outcome.result.nextRevision).toBe(want.next);
                const p = planned[i]!;
                done.push({
                  via: step.via,
                  stream: p.stream,
                  events: p.events,
                  expected: want.expected,
                  next: want.next,
                });
              }
            });
          } else if (done.length > 0) {
            const earlier = done[step.pick % done.length]!;
            const result = await store.append(names[earlier.stream]!, earlier.events, {
              expectedRevision: earlier.expected,
            });
            expect(result.nextRevision).toBe(earlier.next);
          }
        }
        for (const [i, name] of names.entries()) {
          expect(await stores[i % 2]!.streamRevision(name)).toBe(revision[i]);
        }
      }),
      { numRuns: 100 },
    );
    expect(await verifyStore(stores[0], { checkHeads: true })).toBeNull();
  });
});
