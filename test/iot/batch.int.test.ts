// Batched readings frames through a real gateway on 127.0.0.1 and real
// Postgres: a batch is stored reading by reading and acked in one `acks`
// frame; a bad signature or a replayed seq inside a batch is refused in its
// place while the others are stored; a batch naming another meter closes the
// session and stores none of it.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { malleate } from '../../src/iot/crypto/ecdsa.ts';
import type { RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import { decodeFrame } from '../../src/iot/protocol/frames.ts';
import type { Reading } from '../../src/iot/protocol/canonical.ts';
import { FrameType } from '../../src/iot/protocol/constants.ts';
import { signEntry, type MeterEvent } from '../../src/iot/session/meter-session.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import {
  identityOf,
  installMeter,
  readingOf,
  readingsIn,
  startTestGateway,
} from './ingest-world.ts';
import { WsMeter } from './ws-meter.ts';

let db: PostgresTestStore;
let gateway: RunningGateway;
const meters: WsMeter[] = [];

const connect = async (meterId: string) => {
  const m = await WsMeter.connect(gateway.url!, identityOf(meterId));
  meters.push(m);
  return m;
};
const entry = (r: Reading) => signEntry(r, identityOf(r.meterId).privateKey);
/** Answers to readings, as `acks 1,2` / `ack 1` / `CODE seq`. */
const answers = (m: WsMeter) =>
  m.events.flatMap((e: MeterEvent) =>
    e.type === 'acks'
      ? [`acks ${e.seqs.join(',')}`]
      : e.type === 'ack'
        ? [`ack ${e.seq}`]
        : e.type === 'rejected'
          ? [`${e.code} ${e.refSeq}`]
          : [],
  );
/** Waits until the readings of `seqs` are all answered (acked or refused). */
const answered = (m: WsMeter, seqs: number[]) =>
  m.until(() => {
    const done = new Set(
      m.events.flatMap((e) =>
        e.type === 'acks'
          ? e.seqs
          : e.type === 'ack'
            ? [e.seq]
            : e.type === 'rejected'
              ? [e.refSeq]
              : [],
      ),
    );
    return seqs.every((s) => done.has(s));
  });

beforeAll(async () => {
  db = await createPostgresTestStore();
  for (const id of ['BATCH', 'FORGED', 'REPLAYB', 'MIXED']) await installMeter(db.store, id);
  // 50 ms between group commits: a batch's readings, verified within it, meet in one commit.
  gateway = await startTestGateway(db.store, inlineVerifier(), { flushIntervalMs: 50 });
});
afterEach(() => meters.splice(0).forEach((m) => m.close()));
afterAll(async () => {
  await gateway.close();
  await db.close();
});

describe('batched readings', () => {
  it('stores each reading of a batch and acks them in one acks frame', async () => {
    const m = await connect('BATCH');
    const batch = [1, 2, 3, 4, 5].map((seq) => entry(readingOf('BATCH', seq)));
    m.send(m.session.sealReadings(batch));
    await answered(m, [1, 2, 3, 4, 5]);
    expect(answers(m)).toEqual(['acks 1,2,3,4,5']);
    const frameTypes = m.received.slice(2).map((f) => {
      const frame = decodeFrame(f);
      return frame.kind === 'sealed' ? frame.sealed.type : frame.kind;
    });
    expect(frameTypes).toEqual([FrameType.Acks]);
    expect((await readingsIn(db.store, 'BATCH')).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a bad signature inside a batch in its place and stores the others', async () => {
    const m = await connect('FORGED');
    const forged = entry(readingOf('FORGED', 2));
    const batch = [
      entry(readingOf('FORGED', 1)),
      { ...forged, signature: malleate(forged.signature) },
      entry(readingOf('FORGED', 3)),
    ];
    m.send(m.session.sealReadings(batch));
    await answered(m, [1, 2, 3]);
    expect(answers(m)).toEqual(['acks 1', 'BAD_SIGNATURE 2', 'acks 3']);
    expect((await readingsIn(db.store, 'FORGED')).map((r) => r.seq)).toEqual([1, 3]);
    expect(m.ws.readyState).toBe(m.ws.OPEN);
  });

  it('acks a resent reading again, refuses a replayed seq in its place, stores each once', async () => {
    const m = await connect('REPLAYB');
    const first = [1, 2].map((seq) => entry(readingOf('REPLAYB', seq)));
    m.send(m.session.sealReadings(first));
    await answered(m, [1, 2]);
    // 2 resent as it was (a lost ack), 2 with another register (a replay), then 3.
    const replayed = entry(readingOf('REPLAYB', 2, 12_345));
    m.send(m.session.sealReadings([first[1]!, replayed, entry(readingOf('REPLAYB', 3))]));
    await answered(m, [3]);
    expect(answers(m)).toEqual(['acks 1,2', 'acks 2', 'REPLAYED_SEQ 2', 'acks 3']);
    expect((await readingsIn(db.store, 'REPLAYB')).map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('closes on a batch with a reading of another meter and stores none of it', async () => {
    const m = await connect('MIXED');
    const batch = [entry(readingOf('MIXED', 1)), entry(readingOf('BATCH', 9))];
    m.send(m.session.sealReadings(batch));
    expect((await m.closed).reason).toBe('METER_MISMATCH');
    expect(answers(m)).toEqual(['METER_MISMATCH 0']);
    expect(await readingsIn(db.store, 'MIXED')).toEqual([]);
  });
});
