// What the HTTP fuzzer sends: the operations of the app's own OpenAPI
// document, and for each a request built from random path and query values,
// random or schema-shaped JSON with wrong types, prototype-pollution keys,
// deep nesting, huge strings, broken JSON and wrong content types.

import fc from 'fast-check';

export interface Operation {
  method: string;
  /** OpenAPI path, with `{param}` placeholders. */
  path: string;
  params: string[];
  query: string[];
  /** Top-level property names of the JSON body schema, if it has one. */
  bodyKeys: string[] | null;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}
interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Operations that take a body, path parameters or a query. */
export function fuzzableOperations(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const json = op.requestBody?.content?.['application/json'];
      const bodyKeys = json ? Object.keys(json.schema?.properties ?? {}) : null;
      if (params.length === 0 && query.length === 0 && bodyKeys === null && method === 'get')
        continue;
      ops.push({ method: method.toUpperCase(), path, params, query, bodyKeys });
    }
  }
  return ops;
}

/** Values of any JSON type, including the ones a schema does not expect. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 2 ** 53, 1e308, '1e309', 'NaN', '', ' ', '0x10'),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

const pathValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
  { arbitrary: fc.uuid(), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      '..',
      '%2e%2e',
      '%00',
      "' OR 1=1 --",
      '💡',
    ),
    weight: 2,
  },
  { arbitrary: fc.string({ minLength: 300, maxLength: 2000 }), weight: 1 },
);

export type BodyShape =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; payload: string; contentType: string };

/** A JSON text with `__proto__` and `constructor` as real keys (object literals would not keep them). */
const pollution = (inner: Record<string, unknown>, polluted: unknown): string => {
  const rest = JSON.stringify(inner).slice(1);
  const keys = `"__proto__":${JSON.stringify(polluted)},"constructor":{"prototype":${JSON.stringify(polluted)}}`;
  return `{${keys}${rest === '}' ? '}' : `,${rest}`}`;
};

const nested = (depth: number, open: string, close: string) =>
  `${open.repeat(depth)}1${close.repeat(depth)}`;

export function bodyFor(op: Operation): fc.Arbitrary<BodyShape> {
  const keys = op.bodyKeys ?? [];
  const shaped = keys.length
    ? fc.dictionary(fc.constantFrom(...keys), wrongValue, { maxKeys: keys.length })
    : fc.dictionary(fc.string({ maxLength: 8 }), wrongValue, { maxKeys: 4 });
  const json =
    (contentType = 'application/json') =>
    (payload: string) => ({
      kind: 'raw' as const,
      payload,
      contentType,
    });
  return fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json' as const, value })),
    shaped.map((value) => ({ kind: 'json' as const, value })),
    fc.tuple(shaped, fc.jsonValue({ maxDepth: 2 })).map(([v, p]) => json()(pollution(v, p))),
    fc
      .tuple(fc.integer({ min: 200, max: 20_000 }), fc.boolean())
      .map(([d, arr]) =>
        json()(arr ? nested(d, '[', ']') : `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
      ),
    fc
      .tuple(
        fc.constantFrom(...(keys.length ? keys : ['x'])),
        fc.integer({ min: 10_000, max: 200_000 }),
      )
      .map(([k, n]) => ({ kind: 'json' as const, value: { [k]: 'x'.repeat(n) } })),
    shaped.map((v) => JSON.stringify(v).slice(0, -1)).map(json()),
    fc
      .tuple(
        shaped,
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'application/problem+json',
        ),
      )
      .map(([v, type]) => json(type)(JSON.stringify(v))),
  );
}

export interface FuzzRequest {
  url: string;
  body: BodyShape;
}

export function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      params: fc.array(pathValue, { minLength: op.params.length, maxLength: op.params.length }),
      query: fc.dictionary(
        fc.constantFrom(...(op.query.length ? op.query : ['q']), '__proto__'),
        fc.oneof(pathValue, fc.constant('')),
        { maxKeys: 3 },
      ),
      body: op.method === 'GET' ? fc.constant({ kind: 'none' as const }) : bodyFor(op),
    })
    .map(({ params, query, body }) => {
      let path = op.path;
      op.params.forEach((name, i) => {
        path = path.replace(`{${name}}`, encodeURIComponent(params[i]!));
      });
      const search = new URLSearchParams(Object.entries(query)).toString();
      return { url: search ? `${path}?${search}` : path, body };
    });
}
