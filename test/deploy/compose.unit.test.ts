// docker-compose.yml and the Dockerfile checked by reading them: no Docker
// engine runs in CI. A service built from the Dockerfile must name a stage
// that exists, run a real `ledger` sub-command with options it accepts, and
// set only environment variables the app documents and reads; long-running
// services have health checks; named volumes and secrets are declared.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// `yaml` is installed as a dependency of @fastify/swagger and vite; it is what
// Compose-compatible tools use too (full YAML 1.2 with merge keys).
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.ts';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target: string })[];
  secrets?: (string | { source: string })[];
  ports?: string[];
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const built = services.filter(([, s]) => s.build !== undefined);

/** `FROM image AS name` stages of the Dockerfile, and the lines of each. */
function dockerStages(text: string): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line.trim());
    if (from) {
      current = [];
      if (from[1]) stages.set(from[1].toLowerCase(), current);
    } else if (current && line.trim() && !line.trim().startsWith('#')) current.push(line.trim());
  }
  return stages;
}

const stages = dockerStages(read('Dockerfile'));

const commandOf = (service: Service): string[] =>
  typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? []);

const envNames = (service: Service): string[] =>
  Array.isArray(service.environment)
    ? service.environment.map((entry) => entry.split('=')[0]!)
    : Object.keys(service.environment ?? {});

/** Every variable .env.example documents (`#NAME=` or `NAME=`). */
const documented = new Set(
  [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!),
);

function sourceText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) =>
      statSync(path).isDirectory()
        ? sourceText(path)
        : path.endsWith('.ts')
          ? read(path.slice(root.length + 1))
          : '',
    )
    .join('\n');
}
const source = sourceText(join(root, 'src'));

describe('Dockerfile', () => {
  it('has a runtime stage that runs `ledger` as a non-root user with a health check', () => {
    const runtime = stages.get('runtime');
    expect(runtime, 'a `FROM … AS runtime` stage').toBeDefined();
    const users = runtime!.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
    expect(runtime!.some((l) => /^ENTRYPOINT\s+\["ledger"\]/.test(l))).toBe(true);
    expect(runtime!.some((l) => /^HEALTHCHECK\s.*\/health/.test(l))).toBe(true);
  });

  it('copies from stages that exist', () => {
    for (const lines of stages.values())
      for (const line of lines) {
        const from = /^COPY\s+--from=(\S+)/i.exec(line);
        if (from) expect([...stages.keys()]).toContain(from[1]!.toLowerCase());
      }
  });
});

describe('docker-compose.yml', () => {
  it('runs the services the deployment needs', () => {
    const names = services.map(([name]) => name);
    for (const name of ['postgres', 'kurrentdb', 'redis', 'mailpit', 'migrate', 'app'])
      expect(names).toContain(name);
    expect(names.filter((n) => commandOf(compose.services[n]!)[0] === 'gateway')).toHaveLength(2);
  });

  it.each(built)('%s builds a target the Dockerfile defines', (_name, service) => {
    const build = typeof service.build === 'string' ? { context: service.build } : service.build!;
    expect(build.context ?? '.').toBe('.');
    expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect(build.target, 'an explicit target').toBeDefined();
    expect([...stages.keys()]).toContain(build.target!.toLowerCase());
  });

  it.each(built)(
    '%s runs a real `ledger` sub-command with options it accepts',
    (_name, service) => {
      const [name, ...args] = commandOf(service);
      const subcommand = buildProgram().commands.find((c) => c.name() === name);
      expect(subcommand, `ledger ${name}`).toBeDefined();
      const known = subcommand!.options.map((o) => o.long);
      for (const arg of args.filter((a) => a.startsWith('--'))) expect(known).toContain(arg);
      const missing = subcommand!.options
        .filter((o) => o.mandatory)
        .filter((o) => !args.includes(o.long!));
      expect(missing.map((o) => o.long)).toEqual([]);
    },
  );

  it.each(built)('%s sets only variables .env.example documents and src/ reads', (_n, s) => {
    const names = envNames(s);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(documented, `${name} in .env.example`).toContain(name);
      expect(source.includes(name), `${name} read somewhere in src/`).toBe(true);
    }
  });

  it('gives every long-running service a health check', () => {
    for (const [name, service] of services) {
      if (service.restart === 'no') continue; // one-shot jobs (migrate) finish instead
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined();
    }
  });

  it('waits on dependencies that exist, by health or completion', () => {
    for (const [name, service] of services) {
      const deps = service.depends_on ?? {};
      expect(Array.isArray(deps), `${name}: depends_on with conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(deps)) {
        const target = compose.services[dep];
        expect(target, `${name} depends on ${dep}`).toBeDefined();
        if (target!.restart === 'no') expect(condition).toBe('service_completed_successfully');
        else expect(condition).toBe('service_healthy');
      }
    }
  });

  it('runs migrations before the app and the gateways', () => {
    for (const [name, service] of built) {
      if (commandOf(service)[0] === 'migrate') continue;
      const deps = service.depends_on as Record<string, { condition?: string }>;
      const waitsForMigrate =
        deps.migrate?.condition === 'service_completed_successfully' ||
        Object.keys(deps).some((d) => {
          const upstream = compose.services[d]!.depends_on as Record<string, unknown> | undefined;
          return upstream?.migrate !== undefined;
        });
      expect(waitsForMigrate, name).toBe(true);
    }
  });

  it('declares every named volume and secret it mounts, and mounts every one it declares', () => {
    const usedVolumes = new Set<string>();
    const usedSecrets = new Set<string>();
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : volume.source;
        if (source && !/^[./~]/.test(source)) usedVolumes.add(source);
      }
      for (const secret of service.secrets ?? [])
        usedSecrets.add(typeof secret === 'string' ? secret : secret.source);
    }
    expect([...usedVolumes].sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
    expect([...usedSecrets].sort()).toEqual(Object.keys(compose.secrets ?? {}).sort());
  });

  it('gives each gateway its own id, key and host port, and checks the port it listens on', () => {
    const gateways = built.filter(([, s]) => commandOf(s)[0] === 'gateway');
    const flag = (s: Service, f: string) => commandOf(s)[commandOf(s).indexOf(f) + 1];
    const distinct = (values: unknown[]) => new Set(values).size === values.length;
    expect(distinct(gateways.map(([, s]) => flag(s, '--id')))).toBe(true);
    expect(distinct(gateways.map(([, s]) => flag(s, '--key-file')))).toBe(true);
    expect(distinct(gateways.map(([, s]) => s.ports?.[0]?.split(':')[0]))).toBe(true);
    for (const [name, service] of gateways) {
      const port = flag(service, '--port');
      expect(flag(service, '--host'), name).toBe('0.0.0.0');
      expect(service.ports?.[0]?.split(':').at(-1), name).toBe(port);
      expect(JSON.stringify(service.healthcheck?.test), name).toContain(`:${port}/health`);
      // The key file is a mounted secret, never an environment variable or an image layer.
      const secret = flag(service, '--key-file')!.replace('/run/secrets/', '');
      expect(service.secrets, name).toContain(secret);
    }
  });
});
