// Contract: the hash chain. Stored chains verify; with raw SQL (where the
// adapter allows it) a changed, deleted, reordered or relinked event is
// reported by the verifier with its stream and revision.

import { expect, it } from 'vitest';
import { eventHash, verifyStore, verifyStream } from '../../src/eventstore/integrity.ts';
import type { FixtureRef } from './contract-fixtures.ts';
import { newEvents, readableUpTo, streamName } from './contract-fixtures.ts';

export function integrityContract(fixture: FixtureRef, canTamper: boolean): void {
  const tamper = (sql: string) => {
    const run = fixture().tamper;
    if (!run) throw new Error('this fixture cannot tamper');
    return run(sql);
  };
  const seeded = async (count = 5) => {
    const stream = streamName();
    const { store } = fixture();
    const written = await store.append(stream, newEvents(count));
    // The log-walking tests must see these events in the log itself.
    await readableUpTo(store, written.position);
    return stream;
  };
  const verify = async (stream: string) => verifyStream(await fixture().store.readStream(stream));

  it('verifies an intact log and intact streams', async () => {
    const { store } = fixture();
    const streams = [await seeded(), await seeded(), await seeded()];
    await store.appendMany(streams.map((stream) => ({ stream, events: newEvents(2) })));
    expect(await verifyStore(store, { checkHeads: true, batchSize: 4 })).toBeNull();
    for (const stream of streams) expect(await verify(stream)).toBeNull();
  });

  if (!canTamper) return;

  // The log-wide checks come first: later tests leave broken streams behind.
  it('reports a deleted tail through the stream head when walking the whole log', async () => {
    const stream = await seeded(4);
    await tamper(`DELETE FROM events WHERE stream = '${stream}' AND revision = 3`);
    expect(await verifyStore(fixture().store, { checkHeads: true })).toEqual({
      stream,
      revision: 3,
      reason: 'truncated',
    });
  });

  it('reports changed data when walking the whole log', async () => {
    const stream = await seeded();
    await tamper(
      `UPDATE events SET data = '{"wh": 999}' WHERE stream = '${stream}' AND revision = 2`,
    );
    expect(await verifyStore(fixture().store)).toEqual({
      stream,
      revision: 2,
      reason: 'content_changed',
    });
  });

  it('detects changed metadata and a changed type', async () => {
    const a = await seeded();
    const b = await seeded();
    await tamper(`UPDATE events SET metadata = '{}' WHERE stream = '${a}' AND revision = 0`);
    await tamper(
      `UPDATE events SET type = 'PaymentReceived' WHERE stream = '${b}' AND revision = 4`,
    );
    expect(await verify(a)).toEqual({ stream: a, revision: 0, reason: 'content_changed' });
    expect(await verify(b)).toEqual({ stream: b, revision: 4, reason: 'content_changed' });
  });

  it('detects a deleted event as a revision gap', async () => {
    const stream = await seeded();
    await tamper(`DELETE FROM events WHERE stream = '${stream}' AND revision = 2`);
    expect(await verify(stream)).toEqual({ stream, revision: 3, reason: 'revision_gap' });
  });

  it('detects two events whose revisions were swapped', async () => {
    const stream = await seeded();
    const where = `WHERE stream = '${stream}' AND revision =`;
    await tamper(
      `UPDATE events SET revision = 100 ${where} 1; UPDATE events SET revision = 1 ${where} 2; ` +
        `UPDATE events SET revision = 2 ${where} 100`,
    );
    expect(await verify(stream)).toEqual({ stream, revision: 1, reason: 'prev_hash_mismatch' });
  });

  it('detects a rewritten prevHash', async () => {
    const stream = await seeded();
    await tamper(
      `UPDATE events SET prev_hash = repeat('a', 64) WHERE stream = '${stream}' AND revision = 3`,
    );
    expect(await verify(stream)).toEqual({ stream, revision: 3, reason: 'prev_hash_mismatch' });
  });

  it('catches a forger who rewrites an event and its hash at the next link', async () => {
    const { store } = fixture();
    const stream = await seeded();
    const [, target] = await store.readStream(stream, { fromRevision: 0, limit: 2 });
    const forged = { ...target!, data: { wh: 123_456 } };
    const hash = eventHash(forged.prevHash, forged);
    await tamper(
      `UPDATE events SET data = '{"wh": 123456}', hash = '${hash}' WHERE stream = '${stream}' AND revision = 1`,
    );
    expect(await verify(stream)).toEqual({ stream, revision: 2, reason: 'prev_hash_mismatch' });
  });
}
