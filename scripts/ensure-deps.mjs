#!/usr/bin/env node
// Runs before `npm start` and `npm test` so that each works as one command on
// a fresh clone: installs exactly what package-lock.json says (`npm ci`) when
// node_modules is missing or out of date, and does nothing otherwise.
//
// "Out of date" is node_modules/.package-lock.json (written by npm at the end
// of every install) being older than package-lock.json *and* recording other
// versions. The content check matters because `npm ci` deletes node_modules
// first: a lockfile that was merely touched (a checkout) must not wipe a tree
// that other processes are using.

/* global process, console -- a plain Node script; the lint config declares Node globals only for bin/ */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GUARD = 'METERLEDGER_ENSURING_DEPS';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockfile = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

/** Why node_modules must be (re)installed, or null when it matches the lockfile. */
function staleReason() {
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(installed)) return 'node_modules was not installed by npm';
  if (statSync(installed).mtimeMs >= statSync(lockfile).mtimeMs) return null;
  const wanted = JSON.parse(readFileSync(lockfile, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  for (const [path, entry] of Object.entries(wanted)) {
    // The root entry is the project itself; optional packages may be absent on this platform.
    if (path === '' || entry.optional) continue;
    if (have[path]?.version !== entry.version) {
      return `${path.replace(/^node_modules\//, '')} ${have[path]?.version ?? 'is missing'}, lockfile wants ${entry.version}`;
    }
  }
  return null;
}

// `npm ci` runs install lifecycle scripts; if any of them ever leads back
// here, the guard stops a second install inside the first.
if (!process.env[GUARD]) {
  const reason = staleReason();
  if (reason) {
    console.error(`ensure-deps: ${reason}; running npm ci`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, [GUARD]: '1' },
    });
    if (result.status !== 0) {
      console.error('ensure-deps: npm ci failed');
      process.exit(result.status ?? 1);
    }
  }
}
