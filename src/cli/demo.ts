// The demo inside `ledger serve`: whether it runs (`--demo`/`--no-demo`; by
// default on the embedded store outside production), the seed before the
// server listens (on an empty store, or to finish or resume an earlier demo
// in this data directory), then, once it listens, the simulated fleet, the
// first bill run and a short console summary with the demo logins.

import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { issueLink } from '../auth/one-time.ts';
import type { KeyValueStore } from '../auth/kv.ts';
import { loadAccount, type AccountDeps } from '../commands/accounts.ts';
import type { Config } from '../config.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Metrics } from '../ops/metrics.ts';
import { readDemoState } from '../demo/files.ts';
import {
  FIRST_RUN_WINDOW_MS,
  startDemoFleet,
  startDemoGateway,
  startFirstBillRun,
  type DemoFleet,
} from '../demo/run.ts';
import { seedDemo, type DemoSeed } from '../demo/seed.ts';

export interface DemoDeps extends AccountDeps {
  kv: KeyValueStore;
  publicUrl: string;
}

export interface ServeDemo {
  /** Once the server listens: connects the fleet, starts the first run, prints the summary. */
  start(httpUrl: string): Promise<void>;
  /** Stops the fleet and the gateway (before the HTTP server closes). */
  close(): Promise<void>;
}

/** `flag` is `--demo` (true), `--no-demo` (false) or neither (undefined). */
export async function prepareServeDemo(
  flag: boolean | undefined,
  config: Config,
  deps: DemoDeps,
  app: FastifyInstance,
  otherGateway: boolean,
  /** The demo gateway reports to these, like an embedded one. */
  metrics?: Metrics,
): Promise<ServeDemo | null> {
  const embedded = config.databaseUrl === undefined && config.kurrentdbUrl === undefined;
  if (!(flag ?? (embedded && config.nodeEnv !== 'production'))) return null;
  const earlier = await readDemoState(config.dataDir);
  if (earlier === null && !(await isEmpty(deps.store))) {
    app.log.info('store already holds data: no demo data set (start with an empty DATA_DIR)');
    return null;
  }
  if (otherGateway) {
    app.log.warn('GATEWAY_ID is set: the demo fleet needs its own gateway, so no demo runs');
    return null;
  }
  const firstStart = earlier?.seededAt == null;
  const seed = await seedDemo(deps, { dataDir: config.dataDir, now: new Date() });
  const onError = (error: unknown) => app.log.error({ err: error }, 'demo gateway error');
  const gateway = await startDemoGateway(seed, {
    store: deps.store,
    server: app.server,
    onError,
    ...(metrics ? { observer: metrics.gateway } : {}),
  });
  metrics?.watchConnectedMeters(() => gateway.server.connectedMeters().length);
  let fleet: DemoFleet | undefined;
  return {
    async start(httpUrl) {
      fleet = await startDemoFleet(seed, { store: deps.store, httpUrl });
      // Started while meters connect: the fan-out asks each one as it arrives.
      const run = firstStart
        ? await startFirstBillRun(seed, { store: deps.store, now: new Date() })
        : null;
      const base = process.env.PUBLIC_URL ? deps.publicUrl : httpUrl;
      const link = await superuserLink(deps, seed, base);
      process.stdout.write(summary(seed, base, link, run?.period ?? null, config.dataDir));
    },
    async close() {
      await fleet?.stop();
      await gateway.close();
    },
  };
}

async function isEmpty(store: EventStore): Promise<boolean> {
  return (await store.readAll({ limit: 1 })).length === 0;
}

/** A fresh one-time link while the superuser has not chosen a password yet. */
async function superuserLink(deps: DemoDeps, seed: DemoSeed, base: string) {
  const account = await loadAccount(deps.store, seed.superuser.accountId);
  if (account.status !== 'active' || account.passwordHash !== null) return null;
  const token = await issueLink(deps.kv, {
    purpose: 'login-link',
    accountId: seed.superuser.accountId,
    attemptId: null,
  });
  return `${base.replace(/\/+$/, '')}/login/link#token=${token}`;
}

function summary(
  seed: DemoSeed,
  base: string,
  link: string | null,
  period: string | null,
  dataDir: string,
): string {
  const lines = [
    '',
    `meterledger demo is running at ${base}`,
    link
      ? `  superuser ${seed.superuser.username}: one-time sign-in link (10 minutes, then choose a password):\n    ${link}`
      : `  superuser ${seed.superuser.username}: sign in with the password you chose`,
  ];
  const created = seed.credentials.filter((c) => c.password !== null);
  if (created.length > 0) {
    lines.push('  demo logins (passwords shown only this once; dev data only):');
    for (const c of created)
      lines.push(`    ${c.role.padEnd(8)} ${c.username.padEnd(12)} ${c.password}`);
  } else {
    const names = seed.credentials.map((c) => c.username).join(', ');
    lines.push(`  demo logins: ${names} (passwords were printed on first start)`);
  }
  lines.push(
    `  SMS codes and emails (dev outbox): ${base.replace(/\/+$/, '')}/api/dev/outbox`,
    `  ${seed.meters.length} simulated meters report to the in-process gateway; keys in ${dataDir}/demo`,
  );
  lines.push(
    period
      ? `  bill run for ${period} started: it bills in ~${FIRST_RUN_WINDOW_MS / 1000} s (admin → Bill runs)`
      : `  to bill this month: sign in as ${seed.admin.username} → Bill runs → Start`,
  );
  lines.push(
    '  stop with Ctrl+C; start clean with `npm start -- --no-demo` or an empty DATA_DIR',
    '',
  );
  return lines.join('\n');
}

/** `--demo` and `--no-demo` on `ledger serve`; neither leaves the choice to the default. */
export const demoOptions = (command: Command): Command =>
  command
    .option('--demo', 'seed the demo data set and run simulated meters on an empty store')
    .option('--no-demo', 'run clean: no demo data set, no simulated meters');
