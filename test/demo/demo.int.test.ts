// `ledger serve` with the demo, as `npm start` runs it, in a child process on
// a fresh data directory: the printed customer signs in (password, then the
// SMS code from the dev outbox), sees live readings of their meters and last
// month's bill from the run the demo started; a restart seeds nothing new,
// starts no second run, prints a fresh superuser link (no password chosen
// yet) and the fleet carries on from the stored seq; with
// `--no-demo` the server runs clean.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoTimeline } from '../../src/demo/timeline.ts';
import { freePort } from '../support/ledger-process.ts';
import { ApiClient, until } from './client.ts';

const LEDGER = join(import.meta.dirname, '..', '..', 'bin', 'ledger.js');

interface Served {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function serve(dataDir: string, port: number, args: string[] = []): Served {
  const child = spawn(process.execPath, [LEDGER, 'serve', ...args], {
    env: {
      ...{ PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir },
      ...{ PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'info' },
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => output, exited };
}

async function stop(served: Served): Promise<number | null> {
  served.child.kill('SIGTERM');
  return served.exited;
}

describe('npm start with the demo', () => {
  let dataDir: string;
  let port: number;
  let running: Served | undefined;
  let password: string;
  let firstLink: string | undefined;
  let properties: { propertyId: string; status: string }[];
  /** Highest seq of each of asha's meters seen before the restart. */
  const lastSeqs = new Map<string, number>();
  const readings = (client: ApiClient, propertyId: string, from: Date) =>
    client.get<{ seq: number; readAt: string }[]>(
      `/api/properties/${propertyId}/readings?from=${encodeURIComponent(from.toISOString())}&limit=5000`,
    );

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-demo-'));
    port = await freePort();
  });
  // A failed test leaves its server running: the next one needs the port.
  afterEach(() => {
    if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves live readings and a completed bill run to a printed demo customer', async () => {
    const startedAt = new Date();
    running = serve(dataDir, port);
    password = await until(() => /customer +asha +(\S+)/.exec(running!.output())?.[1], 60_000);
    const base = `http://127.0.0.1:${port}`;
    expect(running.output()).toContain(`meterledger demo is running at ${base}`);
    expect(running.output()).toMatch(/superuser demo-super: one-time sign-in link/);
    firstLink = /login\/link#token=(\S+)/.exec(running.output())?.[1];
    expect(running.output()).toContain(`${base}/api/dev/outbox`);

    const asha = new ApiClient(base);
    await asha.signIn('asha', password, '9811100001');
    properties = await asha.get<{ propertyId: string; status: string }[]>('/api/properties');
    expect(properties.filter((p) => p.status === 'approved')).toHaveLength(6);

    // Live readings (read after the start) from several of her meters.
    await until(async () => {
      let live = 0;
      for (const p of properties)
        if ((await readings(asha, p.propertyId, startedAt)).length > 0) live++;
      return live >= 3 || undefined;
    }, 40_000);

    // The bill run closes 20 s after it starts and bills every answered meter.
    const period = demoTimeline(startedAt).lastPeriod;
    const bills = await until(async () => {
      const all = [];
      for (const p of properties)
        all.push(
          ...(await asha.get<{ period: string; units: number; totalPaise: number }[]>(
            `/api/properties/${p.propertyId}/bills`,
          )),
        );
      return all.length === properties.length ? all : undefined;
    }, 60_000);
    for (const bill of bills) {
      expect(bill.period).toBe(period);
      expect(bill.units).toBeGreaterThan(50);
      expect(bill.totalPaise).toBeGreaterThan(0);
    }
    for (const p of properties) {
      const rows = await readings(asha, p.propertyId, startedAt);
      lastSeqs.set(p.propertyId, Math.max(0, ...rows.map((r) => r.seq)));
    }
    expect(await stop(running)).toBe(0);
  }, 89_000);

  it('on restart seeds nothing, starts no second run and the fleet resumes', async () => {
    const restartedAt = new Date();
    running = serve(dataDir, port);
    await until(() => /demo logins: .*asha/.exec(running!.output())?.[0], 60_000);
    expect(running.output()).toContain('passwords were printed on first start');
    expect(running.output()).not.toMatch(/bill run for \d{4}-\d{2} started/);
    // The superuser has not chosen a password yet: a fresh link, the old one is spent or expired.
    const link = /login\/link#token=(\S+)/.exec(running.output())?.[1];
    expect(link).toBeDefined();
    expect(link).not.toBe(firstLink);
    // Readings stored after the restart carry on past the last seq: none reused.
    const asha = new ApiClient(`http://127.0.0.1:${port}`);
    await asha.signIn('asha', password, '9811100001');
    await until(async () => {
      let resumed = 0;
      for (const p of properties) {
        const rows = await readings(asha, p.propertyId, restartedAt);
        if (rows.length === 0) continue;
        expect(Math.min(...rows.map((r) => r.seq))).toBeGreaterThan(lastSeqs.get(p.propertyId)!);
        resumed++;
      }
      return resumed >= 3 || undefined;
    }, 40_000);
    expect(running.output()).not.toMatch(/REPLAYED_SEQ|gateway error|projection failed/);
    expect(await stop(running)).toBe(0);
  }, 60_000);

  it('runs clean with --no-demo', async () => {
    const clean = await mkdtemp(join(tmpdir(), 'ledger-nodemo-'));
    try {
      running = serve(clean, await freePort(), ['--no-demo']);
      await until(() => /"msg":"ledger is serving"/.exec(running!.output())?.[0], 60_000);
      expect(running.output()).not.toContain('demo is running');
      expect(existsSync(join(clean, 'demo'))).toBe(false);
      expect(await stop(running)).toBe(0);
    } finally {
      await rm(clean, { recursive: true, force: true });
    }
  }, 60_000);
});
