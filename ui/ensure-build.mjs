#!/usr/bin/env node
// Runs before `npm start` (and the browser tests): builds the UI (vite build →
// ui/dist) when there is no build yet or any of its sources is newer than the
// build, so `npm start` stays one command on a fresh clone and after a pull.
// Otherwise it does nothing. Concurrent callers (test files run in parallel)
// take turns through a lock directory, so one builds and the others reuse it.

/* global process, console -- a plain Node script; the lint config declares Node globals only for bin/ */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = dirname(fileURLToPath(import.meta.url));
const root = join(ui, '..');
const built = join(ui, 'dist', 'index.html');
// The UI bundles the pure bill calculation, so the domain folders it imports count as sources.
const sources = [
  join(ui, 'src'),
  join(ui, 'index.html'),
  join(ui, 'vite.config.ts'),
  join(root, 'src', 'domain', 'billing'),
  join(root, 'src', 'domain', 'tariff'),
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const staleReason = () =>
  !existsSync(built)
    ? 'no UI build yet'
    : Math.max(...sources.map(newest)) > statSync(built).mtimeMs
      ? 'UI sources changed since the last build'
      : null;

const lock = join(ui, '.build-lock');
const LOCK_STALE_MS = 5 * 60_000;
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** mkdir is atomic: whoever creates the directory holds the lock. */
function acquire() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      // A lock left by a killed build would block everyone forever.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS)
        rmSync(lock, { recursive: true, force: true });
      else sleep(200);
    }
  }
}

if (staleReason()) {
  acquire();
  try {
    // Someone else may have built while this process waited for the lock.
    const reason = staleReason();
    if (reason) {
      console.log(`Building the web UI (${reason})…`);
      const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
      const config = join(ui, 'vite.config.ts');
      // Always a production build: under vitest NODE_ENV is 'test', and Vite would
      // otherwise leave a larger development-mode bundle that `npm start` then serves.
      const result = spawnSync(process.execPath, [vite, 'build', '--config', config], {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, NODE_ENV: 'production' },
      });
      if (result.status !== 0) process.exitCode = result.status ?? 1;
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
