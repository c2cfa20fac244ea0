// The event store contract: one suite every adapter must pass, given a factory
// (emmett's features.ts pattern). Run files pick the adapter; KurrentDB runs it
// only when KURRENTDB_URL is set and without `tamper` (its log has no SQL).

import { describe } from 'vitest';
import { appendContract } from './contract-append.ts';
import { badInputContract } from './contract-bad-input.ts';
import { type ContractFactory, useFixture } from './contract-fixtures.ts';
import { integrityContract } from './contract-integrity.ts';
import { readManyContract } from './contract-read-many.ts';
import { subscribeContract } from './contract-subscribe.ts';
import { subscribeFilterContract } from './contract-subscribe-filter.ts';

export type { ContractFactory, ContractFixture } from './contract-fixtures.ts';

export interface ContractOptions {
  /** Whether the factory's fixtures offer `tamper` (raw SQL); KurrentDB's do not. */
  canTamper?: boolean;
}

export function runEventStoreContract(
  name: string,
  factory: ContractFactory,
  { canTamper = true }: ContractOptions = {},
): void {
  describe(`event store contract: ${name}`, () => {
    // One store for the blocks that only use fresh streams; the integrity
    // block opens its own, because it breaks the log on purpose.
    const fixture = useFixture(factory);
    describe('append and read', () => appendContract(fixture));
    describe('reading many streams', () => readManyContract(fixture));
    describe('bad input', () => badInputContract(fixture));
    describe('subscriptions', () => subscribeContract(fixture));
    describe('filtered subscriptions', () => subscribeFilterContract(fixture));
    describe('integrity', () => integrityContract(useFixture(factory), canTamper));
  });
}
