// The wire schemas (src/web/schemas/) as the one definition of what the API
// sends: a route answers through its response schema, so a row in the read
// model's loose shape leaves as the wire shape and a row the schema refuses
// never leaves at all; the OpenAPI document describes that wire side (integers
// and date-times, no other keys); live feed messages get the same treatment;
// and the schema modules stay importable by the UI, which takes only their types.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerOpenApi } from '../../src/web/openapi.ts';
import { installProblemHandlers } from '../../src/web/problem.ts';
import { ok } from '../../src/web/routes/api-support.ts';
import { wireEncoder } from '../../src/web/routes/live.ts';
import { billSchema, type Bill } from '../../src/web/schemas/billing.ts';
import { dashboardTopics } from '../../src/web/schemas/live.ts';

describe('a route answering through its wire schema', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await probeApp();
  });
  afterAll(() => app.close());

  it('sends a read-model row (Date, digit strings, bigints, extra columns) as the wire shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/probe/good' });
    expect(response.statusCode).toBe(200);
    const body = response.json<Bill>();
    expect(body).toEqual(wireBill);
    expect(billSchema.safeParse(body).success).toBe(true);
  });

  it('refuses with a 500 problem, not the body, when a row does not satisfy the schema', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/probe/bad' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).not.toContain('bill-1');
  });

  it('describes the response by its wire side in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json<OpenApiDoc>();
    const answer = doc.paths['/api/probe/good']!.get.responses['200']!;
    const schema = answer.content['application/json']!.schema as JsonObjectSchema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toContain('issuedAt');
    expect(schema.properties.totalPaise).toEqual({
      type: 'integer',
      minimum: Number.MIN_SAFE_INTEGER,
      maximum: Number.MAX_SAFE_INTEGER,
    });
    expect(schema.properties.issuedAt).toMatchObject({ type: 'string', format: 'date-time' });
    // The decoded side (digit strings, any string for an instant) is a route's business only.
    expect(JSON.stringify(doc.paths)).not.toContain('^-?\\\\d+$');
  });
});

describe('live feed messages', () => {
  const log = { error: vi.fn() };
  const encode = wireEncoder({ log } as unknown as FastifyInstance, dashboardTopics);
  const tickets = [{ ticketId: 't-1', subject: 'No power', status: 'open', openedAt: new Date(0) }];

  it('go through their topic schema once, however many streams carry the same message', () => {
    const first = encode('tickets', tickets);
    expect(first).toEqual({
      ok: true,
      data: [
        {
          ticketId: 't-1',
          subject: 'No power',
          status: 'open',
          openedAt: '1970-01-01T00:00:00.000Z',
        },
      ],
    });
    expect(encode('tickets', tickets)).toBe(first);
    expect(encode('meters', { total: '3', online: 1n })).toEqual({
      ok: true,
      data: { total: 3, online: 1 },
    });
  });

  it('are held back and logged when they do not fit; signals without a schema pass as they are', () => {
    expect(encode('meters', { total: 3 })).toEqual({ ok: false });
    expect(log.error).toHaveBeenCalledTimes(1);
    const signal = [{ propertyId: 'p-1' }];
    expect(encode('payments', signal)).toEqual({ ok: true, data: signal });
  });
});

describe('the schema modules the UI takes its types from', () => {
  const schemas = join(import.meta.dirname, '../../src/web/schemas');
  const ui = join(import.meta.dirname, '../../ui/src');

  it('import nothing but zod, each other and the pure domain vocabularies', () => {
    for (const file of readdirSync(schemas)) {
      for (const from of importsOf(readFileSync(join(schemas, file), 'utf8')))
        expect(from, `${file} imports ${from}`).toMatch(
          /^(zod|\.\/[a-z-]+\.ts|\.\.\/\.\.\/domain\/[a-z]+\/events\.ts)$/,
        );
    }
  });

  it('are imported by the UI as types only, so no zod code enters its bundle', () => {
    const found = uiSources(ui).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^(import|export)([^;]*?)from '([^']+)'/gms)]
        .filter((m) => m[3]!.includes('/src/web/'))
        .map((m) => ({ file, typeOnly: /^\s*type\s/.test(m[2]!), from: m[3]! })),
    );
    expect(found.length).toBeGreaterThan(5);
    for (const use of found)
      expect(use, `${use.file} → ${use.from}`).toMatchObject({ typeOnly: true });
  });
});

// Fixtures

type JsonObjectSchema = {
  properties: Record<string, unknown>;
  required: string[];
  additionalProperties: unknown;
};
type OpenApiDoc = {
  paths: Record<
    string,
    { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }
  >;
};

const wireBill: Bill = {
  billId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76_2026-02',
  propertyId: '6a4383ca-2954-4ab8-a648-3ebe162b2f76',
  period: '2026-02',
  meterId: 'bill-1',
  openingWh: 1_000,
  closingWh: 151_000,
  units: 150_000,
  tariffVersion: 1,
  arrearsPaise: 0,
  chargesPaise: 99_500,
  totalPaise: 99_500,
  issuedAt: '2026-03-01T00:00:00.000Z',
  dueDate: '2026-03-16',
};

/** The bill as a read model hands it over: PGlite strings and bigints, a Date, columns the wire leaves out. */
const row = {
  ...wireBill,
  openingWh: '1000',
  closingWh: 151_000n,
  units: '150000',
  issuedAt: new Date('2026-03-01T00:00:00Z'),
  ownerId: 'not for the wire',
};

async function probeApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);
  await registerOpenApi(app);
  const api = app.withTypeProvider<ZodTypeProvider>();
  const schema = { response: ok(billSchema) };
  // The handlers return what a query returns; the serializer does the rest.
  api.get('/api/probe/good', { schema }, async () => row as never);
  api.get('/api/probe/bad', { schema }, async () => ({ ...row, totalPaise: 'lots' }) as never);
  await app.ready();
  return app;
}

function importsOf(source: string): string[] {
  return [...source.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)].map((m) => m[1]!);
}

function uiSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return uiSources(path);
    return /\.(ts|svelte)$/.test(entry.name) ? [path] : [];
  });
}
