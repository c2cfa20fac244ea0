// Contract: appending (expected revisions, concurrency, idempotent retry,
// group commit) and reading streams and the log back.

import { expect, it } from 'vitest';
import { WrongExpectedRevisionError } from '../../src/eventstore/errors.ts';
import { GENESIS_HASH, verifyStream } from '../../src/eventstore/integrity.ts';
import type { FixtureRef } from './contract-fixtures.ts';
import { newEvent, newEvents, readableUpTo, streamName } from './contract-fixtures.ts';

export function appendContract(fixture: FixtureRef): void {
  it('appends to a new stream and reads the events back with their hash chain', async () => {
    const { store } = fixture();
    const stream = streamName();
    const events = [newEvent('MeterInstalled', { serial: 'M-1', at: 'now' }), newEvent()];
    const result = await store.append(stream, events, { expectedRevision: 'no_stream' });

    const read = await store.readStream(stream);
    expect(result.nextRevision).toBe(1);
    expect(read.map((e) => [e.id, e.type, e.data, e.metadata, e.revision, e.stream])).toEqual(
      events.map((e, i) => [e.id, e.type, e.data, e.metadata, i, stream]),
    );
    expect(read[1]!.position).toBe(result.position);
    expect(read[0]!.prevHash).toBe(GENESIS_HASH);
    expect(read[1]!.prevHash).toBe(read[0]!.hash);
    expect(read[0]!.recordedAt).toBeInstanceOf(Date);
    expect(verifyStream(read)).toBeNull();
    expect(await store.streamRevision(stream)).toBe(1);
    expect(await store.streamRevision(streamName())).toBe(-1);
  });

  it('gives a batch positions in revision order, in one stream and across a group commit', async () => {
    const { store } = fixture();
    const [a, b] = [streamName(), streamName()];
    await store.append(a, newEvents(30));
    await store.appendMany([
      { stream: b, events: newEvents(20) },
      { stream: a, events: newEvents(20), expectedRevision: 29 },
    ]);
    for (const stream of [a, b]) {
      const positions = (await store.readStream(stream)).map((e) => e.position);
      expect(positions).toEqual([...positions].sort((x, y) => store.comparePositions(x, y)));
      expect(new Set(positions).size).toBe(positions.length);
    }
  });

  it('enforces each kind of expected revision', async () => {
    const { store } = fixture();
    const stream = streamName();
    await expect(
      store.append(stream, [newEvent()], { expectedRevision: 'stream_exists' }),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(store.append(stream, [newEvent()], { expectedRevision: 0 })).rejects.toMatchObject(
      {
        code: 'WRONG_EXPECTED_REVISION',
        actual: -1,
      },
    );
    await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
    await expect(
      store.append(stream, [newEvent()], { expectedRevision: 'no_stream' }),
    ).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION', stream, actual: 0 });
    await store.append(stream, [newEvent()], { expectedRevision: 'stream_exists' });
    await expect(store.append(stream, [newEvent()], { expectedRevision: 0 })).rejects.toMatchObject(
      {
        actual: 1,
        expected: '0',
      },
    );
    await store.append(stream, [newEvent()], { expectedRevision: 1 });
    const last = await store.append(stream, [newEvent()]);
    expect(last.nextRevision).toBe(3);
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
  });

  it('lets exactly one of 50 concurrent appends with the same expected revision win, storing nothing partial', async () => {
    const { store } = fixture();
    const stream = streamName();
    await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
    const batches = Array.from({ length: 50 }, () => newEvents(3));
    const settled = await Promise.allSettled(
      batches.map((events) => store.append(stream, events, { expectedRevision: 0 })),
    );

    const winners = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(WrongExpectedRevisionError);
    }
    const read = await store.readStream(stream);
    expect(read.map((e) => e.id).slice(1)).toEqual(batches[winners[0]!]!.map((e) => e.id));
    expect(read.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    expect(verifyStream(read)).toBeNull();
  });

  it("serialises concurrent 'any' appends into one unbroken chain", async () => {
    const { store } = fixture();
    const stream = streamName();
    await Promise.all(Array.from({ length: 20 }, () => store.append(stream, newEvents(2))));
    const read = await store.readStream(stream);
    expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(verifyStream(read)).toBeNull();
  });

  it('reads a stream from a revision, with a limit', async () => {
    const { store } = fixture();
    const stream = streamName();
    await store.append(stream, newEvents(6));
    expect((await store.readStream(stream, { fromRevision: 4 })).map((e) => e.revision)).toEqual([
      4, 5,
    ]);
    expect(
      (await store.readStream(stream, { fromRevision: 1, limit: 2 })).map((e) => e.revision),
    ).toEqual([1, 2]);
    expect(await store.readStream(stream, { fromRevision: 6 })).toEqual([]);
    expect(await store.readStream(streamName())).toEqual([]);
  });

  it('treats a retry of stored event ids at the same place as a no-op success', async () => {
    const { store } = fixture();
    const stream = streamName();
    const first = newEvents(2);
    const original = await store.append(stream, first, { expectedRevision: 'no_stream' });
    const retried = await store.append(stream, first, { expectedRevision: 'no_stream' });
    const retriedAny = await store.append(stream, first);
    await store.append(stream, [newEvent()], { expectedRevision: 1 });
    const retriedLate = await store.append(stream, first, { expectedRevision: 'no_stream' });

    for (const result of [retried, retriedAny, retriedLate]) expect(result).toEqual(original);
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('rejects a batch that only partly repeats stored ids, or repeats them out of order', async () => {
    const { store } = fixture();
    const stream = streamName();
    const stored = newEvents(2);
    await store.append(stream, stored);
    await expect(store.append(stream, [stored[0]!, newEvent()])).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
    await expect(
      store.append(stream, [stored[1]!, stored[0]!], { expectedRevision: 'no_stream' }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect(await store.streamRevision(stream)).toBe(1);
  });

  it('group-commits many streams where a conflicting stream fails alone', async () => {
    const { store } = fixture();
    const [a, b, c] = [streamName(), streamName(), streamName()];
    await store.append(b, [newEvent()]);
    const outcomes = await store.appendMany([
      { stream: a, events: newEvents(2), expectedRevision: 'no_stream' },
      { stream: b, events: newEvents(1), expectedRevision: 'no_stream' },
      { stream: c, events: newEvents(1) },
      { stream: a, events: newEvents(1), expectedRevision: 1 },
      { stream: '', events: newEvents(1) },
    ]);

    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true, false]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'WRONG_EXPECTED_REVISION' } });
    expect(outcomes[4]).toMatchObject({ ok: false, error: { code: 'INVALID_STREAM_NAME' } });
    expect(outcomes[3]).toMatchObject({ ok: true, result: { nextRevision: 2 } });
    expect(await store.streamRevision(a)).toBe(2);
    expect(await store.streamRevision(b)).toBe(0);
    expect(await store.streamRevision(c)).toBe(0);
    expect(verifyStream(await store.readStream(a))).toBeNull();
  });

  it('pages through the log in position order up to the head', async () => {
    const { store } = fixture();
    const stream = streamName();
    const written = await store.append(stream, newEvents(5));
    await readableUpTo(store, written.position);

    const pages = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.readAll(after === undefined ? { limit: 3 } : { after, limit: 3 });
      expect(page.length).toBeLessThanOrEqual(3);
      pages.push(...page);
      if (page.length < 3) break;
      after = page[2]!.position;
    }
    const positions = pages.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((x, y) => store.comparePositions(x, y)));
    expect(new Set(positions).size).toBe(positions.length);
    expect(pages.filter((e) => e.stream === stream).map((e) => e.revision)).toEqual([
      0, 1, 2, 3, 4,
    ]);
    const head = (await store.headPosition())!;
    expect(store.comparePositions(head, written.position)).toBeGreaterThanOrEqual(0);
    expect(await store.readAll({ after: head, limit: 10 })).toEqual([]);
  });
}
