// Postgres crashes and comes back while meters send: `ledger serve` runs the
// gateway and projections on a private Postgres cluster (never the shared
// server other suites use); the cluster is stopped with `-m immediate` (a
// crash) while a fleet streams readings, left down for a few seconds, and
// started again. Meanwhile /ready answers 503; afterwards it answers 200, the
// same process takes readings again, the meters' unacked readings are all
// stored, none twice, the server's own projection runners catch up to the
// head of the log and equal a clean rebuild, and the audit passes.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { Fleet } from '../../devices/fleet.ts';
import { projectionNames } from '../../src/projections/index.ts';
import { readCheckpoint } from '../../src/projections/schema.ts';
import { openFaultWorld, type OpenedFaultWorld } from '../support/fault-world.ts';
import { freePort, startLedgerServe, type LedgerProcess } from '../support/ledger-process.ts';
import {
  findPostgresBin,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../support/private-postgres.ts';
import {
  AckLog,
  expectEachReadingStoredOnce,
  expectRebuiltAndAudited,
  fleetState,
  keepSending,
  stopAndDrain,
  until,
} from './fault-checks.ts';
import { phaseTimer } from './phase-timer.ts';

const METERS = 8;
const BIN = findPostgresBin();
let postgres: PrivatePostgres | undefined;
let world: OpenedFaultWorld | undefined;
let server: LedgerProcess | undefined;

beforeAll(async () => {
  if (!BIN) return;
  postgres = await startPrivatePostgres(BIN);
  world = await openFaultWorld(postgres.url, METERS);
});

afterAll(async () => {
  await server?.kill('SIGKILL');
  await world?.close();
  await postgres?.destroy();
});

const readyStatus = async (url: string): Promise<number> => {
  try {
    return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
};

it.skipIf(BIN === null)(
  'keeps every acked reading through a Postgres crash and recovers without a restart',
  async () => {
    const { store, db, env, meters } = world!;
    const port = await freePort();
    const { timings, mark } = phaseTimer('pg-restart');
    let t = Date.now();
    server = await startLedgerServe(port, env);
    mark('startMs', t);
    expect(await readyStatus(server.url)).toBe(200);

    const acks = new AckLog();
    const rejects: string[] = [];
    let retriedLater = 0;
    const fleet = Fleet.create({
      url: `ws://127.0.0.1:${port}/iot/v1`,
      meters: meters.map((m) => m.spec),
      backoff: { baseMs: 100, maxMs: 1_000 },
      onAck: acks.onAck,
      onReject: (meterId, seq, code) => rejects.push(`${meterId.slice(0, 8)}:${seq}:${code}`),
      onRetryLater: () => void retriedLater++,
    });
    fleet.connect(200);
    const sending = keepSending(fleet, 40);
    const statuses: number[] = [];
    let stopListening: (() => Promise<void>) | undefined;
    try {
      await fleet.waitConnected();
      await until('100 readings acked', () => acks.total >= 100, 15_000);

      // A LISTEN of this process's own pool, to see it come back after the crash.
      const heard: string[] = [];
      stopListening = await db.listen('fault_probe', (payload) => heard.push(payload));
      t = Date.now();
      await postgres!.stop('immediate');
      mark('pgStopMs', t);
      const ackedAtStop = acks.total;
      t = Date.now();
      await until(
        '/ready to answer 503',
        async () => {
          statuses.push(await readyStatus(server!.url));
          return statuses.at(-1) === 503;
        },
        10_000,
        100,
      );
      mark('notReadyAfterMs', t);
      // Down for a while: meters keep trying, the gateway must not take anything for stored.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const ackedWhileDown = acks.total - ackedAtStop;

      t = Date.now();
      await postgres!.start();
      mark('pgStartMs', t);
      t = Date.now();
      await until(
        '/ready to answer 200 again',
        async () => (await readyStatus(server!.url)) === 200,
        20_000,
        100,
      );
      mark('readyAgainMs', t);
      t = Date.now();
      await until(
        'the LISTEN connection to come back',
        async () => {
          await db.query("SELECT pg_notify('fault_probe', 'after')").catch(() => undefined);
          return heard.includes('after');
        },
        10_000,
        200,
      );
      mark('listenBackMs', t);
      const ackedAtRecovery = acks.total;
      t = Date.now();
      await until(
        'readings acked after the recovery',
        () => acks.total > ackedAtRecovery + 50,
        20_000,
      );
      mark('ingestingAgainMs', t);
      await stopAndDrain(fleet, sending, mark);
      // In flight when the server died, at most: a batch or two per meter.
      expect(ackedWhileDown).toBeLessThanOrEqual(METERS * 4);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n/ready: ${statuses.join(',')}\nrejected: ${rejects.join(' ')}\n${fleetState(fleet, server?.output())}`,
        { cause: error },
      );
    } finally {
      sending.stop();
      await fleet.stop();
      await stopListening?.();
    }
    expect(statuses).toContain(503);
    expect(rejects).toEqual([]);

    // The server's own runners (same process, same pool) reach the head of the log.
    const head = await store.headPosition();
    t = Date.now();
    await until(
      'the server read models to reach the head of the log',
      async () => {
        for (const name of projectionNames) {
          const position = (await readCheckpoint(db, name))?.position ?? null;
          if (position === null || store.comparePositions(position, head!) < 0) return false;
        }
        return true;
      },
      20_000,
      100,
    );
    mark('projectionsCaughtUpMs', t);
    await server.kill('SIGTERM');
    server = undefined;

    const sent = await expectEachReadingStoredOnce(store, fleet, acks);
    await expectRebuiltAndAudited(store, db, mark, sent);
    console.log(
      JSON.stringify({
        test: 'postgres-restart',
        meters: METERS,
        readings: sent,
        retriedLater,
        ...timings,
      }),
    );
  },
  55_000,
);
