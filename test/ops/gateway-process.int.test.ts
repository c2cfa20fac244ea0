// `ledger gateway` as a real process on real Postgres: one port carries the
// meter WebSocket endpoint, /health, /ready (same JSON as the web app) and
// /metrics behind METRICS_TOKEN; readings over a real WebSocket show up in
// the metrics; SIGTERM drains (acked readings stored, session closed 1001)
// and the process exits 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gatewayKey,
  identityOf,
  installMeter,
  readingOf,
  readingsIn,
} from '../iot/ingest-world.ts';
import { WsMeter } from '../iot/ws-meter.ts';
import { freePort } from '../support/ledger-process.ts';
import { createPostgresTestStore, type PostgresTestStore } from '../support/store.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TOKEN = 'gateway-metrics-token-0123456789';

let db: PostgresTestStore;
let dir: string;
let child: ChildProcess;
let output = '';
let base: string;
let wsUrl: string;

beforeAll(async () => {
  db = await createPostgresTestStore();
  await installMeter(db.store, 'GP-1');
  dir = await mkdtemp(join(tmpdir(), 'ledger-gw-'));
  const keyFile = join(dir, 'gateway.key');
  await writeFile(keyFile, bytesToHex(gatewayKey) + '\n', { mode: 0o600 });
  const port = await freePort();
  child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'ledger.js'),
      'gateway',
      '--id',
      'gw-1',
      '--key-file',
      keyFile,
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: db.database.url,
        METRICS_TOKEN: TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  wsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    const look = () => {
      const found = /listening on (ws:\/\/\S+)/.exec(output)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}:\n${output}`)));
  });
  base = wsUrl.replace(/^ws/, 'http').replace(/\/iot\/v1$/, '');
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const scrape = async () => {
  const response = await fetch(`${base}/metrics`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  return response.text();
};

describe('ledger gateway process', () => {
  it('serves /health, /ready and /metrics beside the meters, and drains on SIGTERM', async () => {
    expect(wsUrl).toBe(`${base}/iot/v1`.replace(/^http/, 'ws'));
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      store: 'postgres',
      headPosition: await db.store.headPosition(),
    });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);

    const meter = await WsMeter.connect(wsUrl, identityOf('GP-1'));
    for (const seq of [1, 2]) meter.send(meter.session.sealReading(readingOf('GP-1', seq)).frame);
    await meter.until((e) => e.type === 'ack' && e.seq === 2, 10_000);
    const metrics = await scrape();
    expect(metrics).toMatch(/^meter_readings_ingested_total 2$/m);
    expect(metrics).toMatch(/^meters_connected 1$/m);
    expect(metrics).toMatch(/^meter_signature_verify_seconds_count 3$/m);

    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect((await meter.closed).code).toBe(1001);
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"shutdown complete"');
    expect((await readingsIn(db.store, 'GP-1')).map((r) => r.seq)).toEqual([1, 2]);
  }, 40_000);
});
