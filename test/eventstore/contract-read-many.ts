// Contract: reading many streams at once (`readStreams`) returns, per
// request and in request order, exactly what `readStream` returns for it.

import { expect, it } from 'vitest';
import type { StreamRead } from '../../src/eventstore/port.ts';
import type { FixtureRef } from './contract-fixtures.ts';
import { newEvents, streamName } from './contract-fixtures.ts';

export function readManyContract(fixture: FixtureRef): void {
  it('reads many streams in request order, each as readStream reads it', async () => {
    const { store } = fixture();
    const [a, b, c] = [streamName(), streamName('bill'), streamName()];
    await store.appendMany([
      { stream: a, events: newEvents(5) },
      { stream: b, events: newEvents(3) },
      { stream: c, events: newEvents(12) },
    ]);
    const reads: StreamRead[] = [
      { stream: c, fromRevision: 4, limit: 3 },
      { stream: a },
      { stream: streamName() },
      { stream: b, fromRevision: 1 },
      { stream: a, limit: 2 },
      { stream: 'not a stream name' },
      { stream: c, fromRevision: 12 },
      { stream: b, limit: 0 },
    ];
    const many = await store.readStreams(reads);
    const one = await Promise.all(reads.map(({ stream, ...o }) => store.readStream(stream, o)));
    expect(many).toEqual(one);
    expect(many.map((events) => events.map((e) => `${e.stream}@${e.revision}`))).toEqual([
      [`${c}@4`, `${c}@5`, `${c}@6`],
      [0, 1, 2, 3, 4].map((r) => `${a}@${r}`),
      [],
      [`${b}@1`, `${b}@2`],
      [`${a}@0`, `${a}@1`],
      [],
      [],
      [],
    ]);
    expect(await store.readStreams([])).toEqual([]);
  });

  it('lets an append follow streams read to their end by readStreams', async () => {
    const { store } = fixture();
    const [a, b] = [streamName(), streamName()];
    await store.append(a, newEvents(2));
    await store.append(b, newEvents(1));
    const [readA, readB] = await store.readStreams([{ stream: a }, { stream: b }]);
    const outcomes = await store.appendMany([
      { stream: a, events: newEvents(1), expectedRevision: readA!.length - 1 },
      { stream: b, events: newEvents(1), expectedRevision: readB!.length - 1 },
    ]);
    expect(outcomes.map((o) => o.ok && o.result.nextRevision)).toEqual([2, 1]);
  });

  it.each([
    ['a negative fromRevision', { fromRevision: -1 }],
    ['a fractional limit', { limit: 1.5 }],
    ['a limit given as a string', { limit: '10' as unknown as number }],
  ])('refuses %s with INVALID_READ', async (_label, options) => {
    const { store } = fixture();
    await expect(
      store.readStreams([{ stream: streamName() }, { stream: streamName(), ...options }]),
    ).rejects.toMatchObject({ code: 'INVALID_READ', message: expect.stringContaining('read 1') });
  });
}
