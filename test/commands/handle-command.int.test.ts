// The generic command handler on a real store: decide and append, retry on a
// conflicting writer, recognise a repeated command, surface domain errors.
// The counter decider exists only here, as the smallest thing with a rule.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdFor, handleCommand } from '../../src/commands/handle-command.ts';
import {
  DomainError,
  type Command,
  type CommandMetadata,
  type Decider,
  type Event,
} from '../../src/domain/shared/decider.ts';
import { WrongExpectedRevisionError } from '../../src/eventstore/errors.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { createPostgresTestStore, type TestStore } from '../support/store.ts';

describe('handleCommand', () => {
  let testStore: TestStore;
  let store: EventStore;
  beforeAll(async () => {
    testStore = await createPostgresTestStore();
    store = testStore.store;
  });
  afterAll(() => testStore.close());

  it('appends the decided events with ids derived from the command id', async () => {
    const command = add(5, 'cmd-a');
    const result = await handleCommand(store, 'counter-a', counter, command);
    expect(result.events).toEqual([{ type: 'Added', data: { amount: 5 } }]);
    expect(result.revision).toBe(0);
    const [stored] = await store.readStream('counter-a');
    expect(stored!.id).toBe(eventIdFor('cmd-a', 0));
    expect(stored!.metadata).toMatchObject({ commandId: 'cmd-a', actor: 'tester' });
    expect(result.position).toBe(stored!.position);
  });

  it('treats a repeated command id as already done and appends nothing', async () => {
    const first = await handleCommand(store, 'counter-b', counter, add(2, 'cmd-b'));
    const again = await handleCommand(store, 'counter-b', counter, add(2, 'cmd-b'));
    expect(again.events).toEqual([]);
    expect(again.position).toBe(first.position);
    expect(await store.readStream('counter-b')).toHaveLength(1);
  });

  it('re-reads and decides again when another writer got there first', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        handleCommand(store, 'counter-c', counter, add(1, `cmd-c-${i}`), { maxAttempts: 20 }),
      ),
    );
    expect(results.every((r) => r.events.length === 1)).toBe(true);
    const events = await store.readStream('counter-c');
    expect(events.map((e) => e.revision)).toEqual([...Array(10).keys()]);
  });

  it('gives up with the store conflict after maxAttempts', async () => {
    const interfered = interferingStore(store, 'counter-d', ['rival-1']);
    await expect(
      handleCommand(interfered, 'counter-d', counter, add(1, 'cmd-d-1'), { maxAttempts: 1 }),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await store.readStream('counter-d')).map((e) => e.metadata.commandId)).toEqual([
      'rival-1',
    ]);

    const retried = interferingStore(store, 'counter-d', ['rival-2']);
    await handleCommand(retried, 'counter-d', counter, add(1, 'cmd-d-2'), { maxAttempts: 2 });
    expect((await store.readStream('counter-d')).map((e) => e.metadata.commandId)).toEqual([
      'rival-1',
      'rival-2',
      'cmd-d-2',
    ]);
  });

  it('throws the domain error and appends nothing when the decider refuses', async () => {
    await handleCommand(store, 'counter-e', counter, add(MAX, 'cmd-e-1'));
    await expect(handleCommand(store, 'counter-e', counter, add(1, 'cmd-e-2'))).rejects.toEqual(
      new DomainError('LIMIT_EXCEEDED', `counter may not exceed ${MAX}`),
    );
    expect(await store.readStream('counter-e')).toHaveLength(1);
  });

  it('returns no position when the decider has nothing to do', async () => {
    const result = await handleCommand(store, 'counter-f', counter, add(0, 'cmd-f'));
    expect(result).toEqual({ events: [], revision: -1, position: null });
    expect(await store.streamRevision('counter-f')).toBe(-1);
  });
});

const MAX = 100;
type Added = Event<'Added', { amount: number }>;
type Add = Command<'Add', { amount: number }>;
const counter: Decider<Add, Added, number> = {
  initialState: 0,
  evolve: (total, event) => total + event.data.amount,
  decide(command, total) {
    if (command.data.amount === 0) return [];
    if (total + command.data.amount > MAX)
      return new DomainError('LIMIT_EXCEEDED', `counter may not exceed ${MAX}`);
    return [{ type: 'Added', data: { amount: command.data.amount } }];
  },
};
/** A store on which a rival command lands on `stream` just before each of our next appends there. */
function interferingStore(
  inner: EventStore,
  stream: string,
  rivalCommandIds: string[],
): EventStore {
  const rivals = [...rivalCommandIds];
  return Object.assign(Object.create(inner) as EventStore, {
    async append(...args: Parameters<EventStore['append']>) {
      const rival = args[0] === stream ? rivals.shift() : undefined;
      if (rival) await handleCommand(inner, stream, counter, add(1, rival));
      return inner.append(...args);
    },
  });
}
const metadata = (commandId: string): CommandMetadata => ({
  now: '2026-11-27T00:00:00.000Z',
  commandId,
  actor: 'tester',
});
const add = (amount: number, commandId: string): Add => ({
  type: 'Add',
  data: { amount },
  metadata: metadata(commandId),
});
