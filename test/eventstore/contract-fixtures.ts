// Shared pieces of the event store contract: the fixture a factory returns,
// stream and event builders, and small async helpers.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { EventStore, JsonObject, NewEvent } from '../../src/eventstore/port.ts';

export interface ContractFixture {
  store: EventStore;
  /** Runs raw SQL against the adapter's tables (`events`, `streams`), bypassing the store. */
  tamper?: (sql: string) => Promise<void>;
  /**
   * Appends inside a transaction that stays open `holdMs` after its insert, so
   * it commits after writers that started later. Adapters without
   * transactions omit it; the suite then appends after a delay instead.
   */
  appendHeldOpen?: (stream: string, events: NewEvent[], holdMs: number) => Promise<void>;
  close(): Promise<void>;
}

export type ContractFactory = () => Promise<ContractFixture>;

/** Gives each test block a live fixture, opened once and closed after the block. */
export type FixtureRef = () => ContractFixture;

export function useFixture(factory: ContractFactory): FixtureRef {
  let fixture: ContractFixture | undefined;
  beforeAll(async () => {
    fixture = await factory();
  });
  afterAll(async () => {
    await fixture?.close();
  });
  return () => {
    if (!fixture) throw new Error('fixture not open');
    return fixture;
  };
}

/** A fresh stream name per test, so tests sharing a store never collide. */
export const streamName = (category = 'meter'): string => `${category}-${randomUUID().slice(0, 8)}`;

export const newEvent = (type = 'ReadingRecorded', data: JsonObject = { wh: 1 }): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { actor: 'test' },
});

export const newEvents = (count: number, type?: string): NewEvent[] =>
  Array.from({ length: count }, (_, i) => newEvent(type, { wh: i }));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Polls an async `condition` until it holds or `timeoutMs` passes. */
export async function eventuallyAsync(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/**
 * Waits until the log is readable up to `position`. Log readers only see
 * transactions older than every running one, cluster-wide, so a write can
 * take a moment to show while other databases' transactions are open.
 */
export function readableUpTo(store: EventStore, position: string): Promise<void> {
  return eventuallyAsync(async () => {
    const head = await store.headPosition();
    return head !== null && store.comparePositions(head, position) >= 0;
  });
}

/** Reads the whole log, page by page. */
export async function readWholeLog(store: EventStore) {
  const all = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.readAll(after === undefined ? { limit: 500 } : { after, limit: 500 });
    all.push(...page);
    if (page.length < 500) return all;
    after = page[page.length - 1]!.position;
  }
}
