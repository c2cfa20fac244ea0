#!/usr/bin/env node
// Runs before `npm start`: builds the UI (vite build → ui/dist) when there is
// no build yet or any of its sources is newer than the build, so `npm start`
// stays one command on a fresh clone and after a pull. Otherwise it does nothing.

/* global process, console -- a plain Node script; the lint config declares Node globals only for bin/ */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

const reason = !existsSync(built)
  ? 'no UI build yet'
  : Math.max(...sources.map(newest)) > statSync(built).mtimeMs
    ? 'UI sources changed since the last build'
    : null;

if (reason) {
  console.log(`Building the web UI (${reason})…`);
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', join(ui, 'vite.config.ts')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
