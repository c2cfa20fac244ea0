// Fuzzing the meter protocol against a real gateway (runGateway: store-backed
// directory and sink on real Postgres) over real WebSockets, bounded in time.
// Random bytes, mutated frames (bit flips, truncation, extension, huge length
// prefixes, wrong version or type), JSON with wrong types, oversized frames,
// replayed and reordered frames, before the handshake, in place of auth and
// inside an established session. Every bad connection must be refused with a
// protocol error (error frame or close 1008 naming the code, 1009 for frames
// past the WebSocket cap) well before a hang; afterwards a good meter is still
// served, and the log holds exactly the readings the gateway acked.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meterStream } from '../../src/domain/meter/index.ts';
import type { RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import {
  FrameType,
  Limits,
  SEALED_TYPES,
  type SealedFrameType,
} from '../../src/iot/protocol/constants.ts';
import type { Sealer } from '../../src/iot/crypto/aead-session.ts';
import { isProtocolErrorCode } from '../../src/iot/protocol/errors.ts';
import { decodeFrame } from '../../src/iot/protocol/frames.ts';
import { decodeMessageBody } from '../../src/iot/protocol/messages.ts';
import { MeterSession } from '../../src/iot/session/meter-session.ts';
import { signHash } from '../../src/iot/crypto/ecdsa.ts';
import { encodeReading, readingHash } from '../../src/iot/protocol/canonical.ts';
import { inlineVerifier } from '../../src/iot/verify/select.ts';
import { waitForWholeLog } from '../audit/wait.ts';
import { identityOf, installMeter, readingOf, startTestGateway } from '../iot/ingest-world.ts';
import { WsMeter } from '../iot/ws-meter.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';
import { fuzzSeed, mutation, mutate, wrongJson, type Mutation } from './mutations.ts';
import { RawSocket, type Closed } from './raw-socket.ts';

/** A refusal must come long before the handshake timeout would end a silent connection. */
const REFUSAL_MS = 3000;
const FUZZ_METER = 'FUZZ-A';

let ts: PostgresTestStore;
let gateway: RunningGateway;
let url: string;
let headBefore: string | null;
/** Seqs the gateway acked, per meter: the only readings allowed in the log. */
const acked = new Map<string, number[]>();
let lastSeq = 0;
const nextReading = (meterId = FUZZ_METER) => readingOf(meterId, ++lastSeq);

beforeAll(async () => {
  ts = await createPostgresTestStore();
  for (const id of [FUZZ_METER, 'GOOD']) await installMeter(ts.store, id);
  await waitForWholeLog(ts.store, ts.db);
  headBefore = await ts.store.headPosition();
  gateway = await startTestGateway(ts.store, inlineVerifier(), { flushIntervalMs: 5 });
  url = gateway.url!;
});
afterAll(async () => {
  await gateway?.close();
  await ts?.close();
});

const expectProtocolClose = (closed: Closed) => {
  if (closed.code === 1009) return; // past wsMaxPayloadBytes: ws drops it unread
  expect(closed.code).toBe(1008);
  expect(isProtocolErrorCode(closed.reason)).toBe(true);
};

type HandshakeInput =
  | { kind: 'random'; bytes: Uint8Array; beforeHello: boolean }
  | { kind: 'auth'; meterId: string; m: Mutation }
  | { kind: 'hello-echo'; m: Mutation | null }
  | { kind: 'json'; text: string; binary: boolean }
  | { kind: 'huge'; size: number }
  | { kind: 'after-auth'; bytes: Uint8Array };

const handshakeInput: fc.Arbitrary<HandshakeInput> = fc.oneof(
  // A valid auth, then at once (before auth-ok arrives) bytes no session could open.
  fc.record({
    kind: fc.constant('after-auth' as const),
    bytes: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    kind: fc.constant('random' as const),
    bytes: fc.uint8Array({ maxLength: 600 }),
    beforeHello: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('auth' as const),
    meterId: fc.constantFrom(FUZZ_METER, 'GHOST'),
    m: mutation,
  }),
  fc.record({ kind: fc.constant('hello-echo' as const), m: fc.option(mutation) }),
  fc.record({ kind: fc.constant('json' as const), text: wrongJson, binary: fc.boolean() }),
  fc.record({
    kind: fc.constant('huge' as const),
    size: fc.constantFrom(Limits.maxFrameBytes + 1, Limits.wsMaxPayloadBytes + 1, 200_000),
  }),
);

async function sendHandshakeInput(s: RawSocket, input: HandshakeInput): Promise<void> {
  switch (input.kind) {
    case 'random':
      if (!input.beforeHello) await s.hello();
      return s.send(input.bytes);
    case 'auth': {
      const session = new MeterSession(identityOf(input.meterId));
      const [auth] = session.receive(await s.hello()).send;
      return s.send(mutate(auth!, input.m));
    }
    case 'hello-echo': {
      const hello = await s.hello();
      return s.send(input.m ? mutate(hello, input.m) : hello);
    }
    case 'json':
      return s.send(input.binary ? new TextEncoder().encode(input.text) : input.text);
    case 'huge': {
      // A well-formed start (version 1, auth type, a huge length prefix) then filler.
      const bytes = new Uint8Array(input.size).fill(0x41);
      bytes.set([1, FrameType.Auth, 0xff, 0xff]);
      return s.send(bytes);
    }
    case 'after-auth': {
      const session = new MeterSession(identityOf(FUZZ_METER));
      const [auth] = session.receive(await s.hello()).send;
      s.send(auth!);
      return s.send(input.bytes);
    }
  }
}

type SessionInput =
  | { kind: 'random'; bytes: Uint8Array }
  | { kind: 'mutated-reading'; m: Mutation }
  | { kind: 'sealed-garbage'; type: number; body: Uint8Array }
  | { kind: 'bad-reading'; part: 'canonical' | 'signature'; m: Mutation }
  | { kind: 'replay' }
  | { kind: 'reorder' }
  | { kind: 'plain'; which: 'hello' | 'auth' }
  | { kind: 'json'; text: string };

const sessionInput: fc.Arbitrary<SessionInput> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 600 }) }),
  fc.record({ kind: fc.constant('mutated-reading' as const), m: mutation }),
  fc.record({
    kind: fc.constant('sealed-garbage' as const),
    type: fc.constantFrom(...SEALED_TYPES),
    body: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    kind: fc.constant('bad-reading' as const),
    part: fc.constantFrom('canonical' as const, 'signature' as const),
    m: mutation,
  }),
  fc.constant({ kind: 'replay' as const }),
  fc.constant({ kind: 'reorder' as const }),
  fc.record({
    kind: fc.constant('plain' as const),
    which: fc.constantFrom('hello' as const, 'auth' as const),
  }),
  fc.record({ kind: fc.constant('json' as const), text: wrongJson }),
);

/** Seals a reading body whose canonical bytes or signature were mutated after signing. */
function badReadingFrame(m: WsMeter, part: 'canonical' | 'signature', mut: Mutation) {
  const reading = nextReading();
  const canonical = encodeReading(reading);
  const signature = signHash(readingHash(reading), identityOf(FUZZ_METER).privateKey);
  const body =
    part === 'canonical'
      ? { canonical: mutate(canonical, mut), signature }
      : { canonical, signature: mutate(signature, mut) };
  return m.session.seal({ type: 'reading', ...body });
}

/**
 * Seals any body under any sealed type with the session's real keys, so the
 * gateway decrypts it and must refuse what is inside. MeterSession seals only
 * well-formed messages, so this reaches for its sealer.
 */
function sealRaw(session: MeterSession, type: number, body: Uint8Array): Uint8Array {
  const { state } = session as unknown as { state: { sealer: Sealer } };
  return state.sealer.seal(type as SealedFrameType, body);
}

async function sendSessionInput(m: WsMeter, input: SessionInput): Promise<void> {
  switch (input.kind) {
    case 'random':
      return m.send(input.bytes);
    case 'mutated-reading':
      return m.send(mutate(m.session.sealReading(nextReading()).frame, input.m));
    case 'sealed-garbage': {
      let body = input.body;
      // A well-formed ping or pong is valid traffic: make it one byte too long.
      try {
        decodeMessageBody(input.type, body);
        if (input.type === FrameType.Ping || input.type === FrameType.Pong)
          body = Uint8Array.from([...body, 0]);
      } catch {
        // Malformed, as wanted.
      }
      return m.send(sealRaw(m.session, input.type, body));
    }
    case 'bad-reading':
      return m.send(badReadingFrame(m, input.part, input.m));
    case 'replay': {
      const reading = nextReading();
      const { frame } = m.session.sealReading(reading);
      m.send(frame);
      await m.until((e) => e.type === 'ack' && e.seq === reading.seq);
      acked.set(FUZZ_METER, [...(acked.get(FUZZ_METER) ?? []), reading.seq]);
      return m.send(frame);
    }
    case 'reorder': {
      const first = m.session.sealReading(nextReading()).frame;
      const second = m.session.sealReading(nextReading()).frame;
      m.send(second);
      return m.send(first);
    }
    case 'plain': {
      const raw = await RawSocket.open(url);
      const hello = await raw.hello();
      raw.ws.terminate();
      const frame =
        input.which === 'hello'
          ? hello
          : new MeterSession(identityOf(FUZZ_METER)).receive(hello).send[0]!;
      return m.send(frame);
    }
    case 'json':
      return m.send(new TextEncoder().encode(input.text));
  }
}

/** The gateway's answer to bad input in a session: an error frame, or a protocol close. */
async function refusal(m: WsMeter): Promise<'error-frame' | Closed> {
  let timer: NodeJS.Timeout | undefined;
  const answer = await Promise.race([
    m
      .until((e) => e.type === 'rejected', REFUSAL_MS)
      .then(
        () => 'error-frame' as const,
        () => new Promise<never>(() => {}),
      ),
    m.closed,
    new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), REFUSAL_MS))),
  ]);
  clearTimeout(timer);
  if (answer === 'hang') throw new Error(`no refusal within ${REFUSAL_MS} ms`);
  return answer;
}

describe('fuzzing the meter protocol against a real gateway', () => {
  it('refuses random and mutated frames before and in place of auth', async () => {
    await fc.assert(
      fc.asyncProperty(handshakeInput, async (input) => {
        const s = await RawSocket.open(url);
        await sendHandshakeInput(s, input);
        const closed = await s.closedWithin(REFUSAL_MS);
        expectProtocolClose(closed);
        // Before the close, the gateway says why: a plain error frame after its hello,
        // or, once the session is open, a sealed one after auth-ok.
        if (closed.code === 1008) {
          const answer = s.received.map((f) => decodeFrame(f).kind);
          const open = input.kind === 'after-auth';
          expect(answer).toEqual(open ? ['hello', 'sealed', 'sealed'] : ['hello', 'plain-error']);
        }
      }),
      { numRuns: 150, interruptAfterTimeLimit: 6_000, seed: fuzzSeed },
    );
  }, 20_000);

  it('refuses random, mutated, replayed and reordered frames inside a session', async () => {
    await fc.assert(
      fc.asyncProperty(sessionInput, async (input) => {
        const m = await WsMeter.connect(url, identityOf(FUZZ_METER));
        expect(m.events[0]?.type).toBe('established');
        try {
          await sendSessionInput(m, input);
          const answer = await refusal(m);
          if (answer !== 'error-frame') expectProtocolClose(answer);
        } finally {
          m.close();
          await m.closed;
        }
      }),
      { numRuns: 150, interruptAfterTimeLimit: 8_000, seed: fuzzSeed },
    );
  }, 25_000);

  it('still serves a good meter, and the log holds only the readings it acked', async () => {
    const good = await WsMeter.connect(url, identityOf('GOOD'));
    for (const seq of [1, 2, 3]) {
      good.send(good.session.sealReading(readingOf('GOOD', seq)).frame);
      await good.until((e) => e.type === 'ack' && e.seq === seq);
    }
    acked.set('GOOD', [1, 2, 3]);
    good.close();

    await waitForWholeLog(ts.store, ts.db);
    const stored = await ts.store.readAll({ after: headBefore!, limit: 10_000 });
    const expected = [...acked].flatMap(([meterId, seqs]) =>
      seqs.map((seq) => ({ stream: meterStream(meterId), type: 'ReadingRecorded', seq })),
    );
    const actual = stored.map((e) => ({ stream: e.stream, type: e.type, seq: e.data.seq }));
    expect(actual).toEqual(expect.arrayContaining(expected));
    expect(actual).toHaveLength(expected.length);
  });
});
