// scripts/ensure-deps.mjs decides when `npm start`/`npm test` must run
// `npm ci` first. Each case builds a scratch project around a copy of the
// script, with a stand-in `npm` on PATH that records how it was called
// (the real one would download packages).

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../scripts/ensure-deps.mjs', import.meta.url);

describe('scripts/ensure-deps.mjs', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('runs npm ci when node_modules is missing', () => {
    const project = scratch({ installed: null });
    const run = ensureDeps(project);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('node_modules is missing; running npm ci');
    expect(npmCalls(project)).toEqual(['ci --no-audit --no-fund guard=1']);
  });

  it('does nothing when the install is newer than the lockfile', () => {
    const project = scratch({ installed: { 'node_modules/zod': '4.0.0' }, installedAge: 'newer' });
    expect(ensureDeps(project).status).toBe(0);
    expect(npmCalls(project)).toEqual([]);
  });

  it('does nothing when the lockfile was only touched (same versions)', () => {
    const project = scratch({ installed: { 'node_modules/zod': '4.0.0' }, installedAge: 'older' });
    expect(ensureDeps(project).status).toBe(0);
    expect(npmCalls(project)).toEqual([]);
  });

  it('runs npm ci when the lockfile is newer and wants other versions', () => {
    const project = scratch({ installed: { 'node_modules/zod': '3.9.0' }, installedAge: 'older' });
    const run = ensureDeps(project);
    expect(run.stderr).toContain('zod 3.9.0, lockfile wants 4.0.0');
    expect(npmCalls(project)).toEqual(['ci --no-audit --no-fund guard=1']);
  });

  it('does not install again from inside an install', () => {
    const project = scratch({ installed: null });
    expect(ensureDeps(project, { METERLEDGER_ENSURING_DEPS: '1' }).status).toBe(0);
    expect(npmCalls(project)).toEqual([]);
  });

  it('fails with npm’s exit code when npm ci fails', () => {
    const project = scratch({ installed: null, npmExit: 3 });
    const run = ensureDeps(project);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('npm ci failed');
  });

  function scratch(options: {
    installed: Record<string, string> | null;
    installedAge?: 'older' | 'newer';
    npmExit?: number;
  }): string {
    const project = mkdtempSync(join(tmpdir(), 'ensure-deps-'));
    dirs.push(project);
    mkdirSync(join(project, 'scripts'));
    copyFileSync(SCRIPT, join(project, 'scripts', 'ensure-deps.mjs'));
    const lock = join(project, 'package-lock.json');
    writeFileSync(
      lock,
      JSON.stringify({
        packages: {
          '': { name: 'x' },
          'node_modules/zod': { version: '4.0.0' },
          'node_modules/@esbuild/win32-x64': { version: '0.25.0', optional: true },
        },
      }),
    );
    if (options.installed) {
      mkdirSync(join(project, 'node_modules'));
      const hidden = join(project, 'node_modules', '.package-lock.json');
      const packages = Object.fromEntries(
        Object.entries(options.installed).map(([path, version]) => [path, { version }]),
      );
      writeFileSync(hidden, JSON.stringify({ packages }));
      const now = Date.now() / 1000;
      const [lockTime, hiddenTime] =
        options.installedAge === 'older' ? [now, now - 60] : [now - 60, now];
      utimesSync(lock, lockTime, lockTime);
      utimesSync(hidden, hiddenTime, hiddenTime);
    }
    const bin = join(project, 'fake-bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'npm'),
      `#!/bin/sh\necho "$* guard=$METERLEDGER_ENSURING_DEPS" >> "${join(project, 'npm-calls')}"\nexit ${options.npmExit ?? 0}\n`,
    );
    chmodSync(join(bin, 'npm'), 0o755);
    return project;
  }

  function ensureDeps(project: string, env: Record<string, string> = {}) {
    const { METERLEDGER_ENSURING_DEPS: _inherited, ...parentEnv } = process.env;
    return spawnSync(process.execPath, [join(project, 'scripts', 'ensure-deps.mjs')], {
      encoding: 'utf8',
      env: { ...parentEnv, PATH: `${join(project, 'fake-bin')}:${process.env.PATH}`, ...env },
    });
  }

  function npmCalls(project: string): string[] {
    const file = join(project, 'npm-calls');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
  }
});
