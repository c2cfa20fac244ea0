// A Postgres cluster of the test's own, for tests that stop and start the
// server (the shared one at 127.0.0.1:5432 serves every other suite and must
// never restart): `initdb` into a temp directory, trust auth, a free port,
// `pg_ctl` to stop and start it. Postgres refuses to run as root, so under
// root the cluster belongs to the `postgres` user (runuser). `findPostgresBin`
// is null when no server binaries are installed, for `it.skipIf`.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ledger-process.ts';

const run = promisify(execFile);
const ROOT_DIR = '/usr/lib/postgresql';

/** The newest /usr/lib/postgresql/N/bin holding initdb and pg_ctl, or null. */
export function findPostgresBin(): string | null {
  if (!existsSync(ROOT_DIR)) return null;
  const versions = readdirSync(ROOT_DIR)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(ROOT_DIR, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/<database> */
  url: string;
  port: number;
  /** `immediate` is a crash (no checkpoint, recovery on the next start); `fast` a clean stop. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its directory. */
  destroy(): Promise<void>;
}

/** Initialises and starts a cluster, and creates `database` in it. */
export async function startPrivatePostgres(
  bin: string,
  database = 'ledger',
): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'private-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  // As the postgres user when we are root: initdb and postgres refuse root.
  const pgCommand = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args])
      : run(join(bin, tool), args);

  const port = await freePort();
  await pgCommand('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    // Safe for a server crash (the kernel keeps what was written); an OS crash is not tested.
    // synchronous_commit stays on: an acked reading must survive `stop -m immediate`.
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const start = async () => {
    await pgCommand('pg_ctl', [
      '-D',
      data,
      '-o',
      options,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  };
  const stop = async (mode: 'immediate' | 'fast' = 'fast') => {
    await pgCommand('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  };
  await start();
  const admin = new pg.Client({
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
  });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    stop,
    start,
    async destroy() {
      await stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
