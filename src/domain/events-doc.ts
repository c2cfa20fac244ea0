// Renders docs/events.md from the event catalogs, so the document is always
// what the code declares. `npm run docs:events` writes it; a unit test fails
// when the committed file differs from what the code would render.

import { z } from 'zod';
import type { EventCatalog } from './shared/events.ts';

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

function describeType(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(describeType).join(' \\| ');
  if (Array.isArray(schema.type))
    return schema.type.map((type) => describeType({ ...schema, type })).join(' \\| ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  if (schema.type === 'array') return `${describeType(schema.items ?? {})}[]`;
  if (schema.type === 'object') return 'object';
  if (schema.type === 'integer') {
    const bounds: string[] = [];
    if (schema.minimum !== undefined && schema.minimum > -SAFE_INTEGER_BOUND)
      bounds.push(`≥ ${schema.minimum}`);
    if (schema.maximum !== undefined && schema.maximum < SAFE_INTEGER_BOUND)
      bounds.push(`≤ ${schema.maximum}`);
    return bounds.length ? `integer (${bounds.join(', ')})` : 'integer';
  }
  if (schema.type === 'string' && schema.format) return `string (${schema.format})`;
  return schema.type ?? 'any JSON';
}

/** Field rows with dotted paths for nested objects and `[]` for array items. */
function fieldRows(schema: JsonSchema, prefix = ''): string[] {
  const rows: string[] = [];
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const optional = schema.required?.includes(name) ? '' : ' (optional)';
    rows.push(`| \`${path}\` | ${describeType(field)}${optional} |`);
    const nested = field.type === 'array' ? field.items : field;
    const nestedNonNull = nested?.anyOf?.find((option) => option.type === 'object') ?? nested;
    if (nestedNonNull?.type === 'object' && nestedNonNull.properties) {
      rows.push(...fieldRows(nestedNonNull, `${path}${field.type === 'array' ? '[]' : ''}.`));
    }
  }
  return rows;
}

export function renderEventsDoc(catalogs: EventCatalog[]): string {
  const sorted = [...catalogs].sort((a, b) => a.category.localeCompare(b.category));
  const lines = [
    '# Events catalog',
    '',
    'Generated from the zod schemas in `src/domain/*/events.ts` by `npm run docs:events`;',
    'a unit test fails when this file and the code disagree. Streams are named',
    '`<category>-<id>`.',
    '',
  ];
  for (const catalog of sorted) {
    lines.push(`## \`${catalog.category}-…\``, '', catalog.description, '');
    for (const [type, schema] of Object.entries(catalog.schemas)) {
      const json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema;
      lines.push(`### ${type}`, '', '| field | type |', '| --- | --- |', ...fieldRows(json), '');
    }
  }
  return lines.join('\n');
}
