// docs/events.md must be exactly what the code's event catalogs render, so the
// document cannot drift from the events the system writes.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allEventCatalogs } from '../../src/catalogs.ts';
import { renderEventsDoc } from '../../src/domain/events-doc.ts';
import { defineEvents } from '../../src/domain/shared/events.ts';

describe('docs/events.md', () => {
  it('matches the event catalogs (run `npm run docs:events` after changing an event)', () => {
    const committed = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderEventsDoc(allEventCatalogs));
  });

  it('lists every event type of every catalog, and each category once', () => {
    const doc = renderEventsDoc(allEventCatalogs);
    for (const catalog of allEventCatalogs) {
      expect(doc).toContain(`## \`${catalog.category}-…\``);
      for (const type of Object.keys(catalog.schemas)) expect(doc).toContain(`### ${type}\n`);
    }
    const categories = allEventCatalogs.map((catalog) => catalog.category);
    expect(new Set(categories).size).toBe(categories.length);
  });

  it('renders nested, nullable, enum and array fields', () => {
    const catalog = defineEvents('sample', 'A sample stream.', {
      Sampled: z.object({
        amountPaise: z.number().int().min(0),
        note: z.string().nullable(),
        mode: z.enum(['telescopic', 'volume']),
        lines: z.array(z.object({ code: z.string() })),
      }),
    });
    const doc = renderEventsDoc([catalog]);
    expect(doc).toContain('| `amountPaise` | integer (≥ 0) |');
    expect(doc).toContain('| `note` | string \\| null |');
    expect(doc).toContain('| `mode` | `"telescopic"` \\| `"volume"` |');
    expect(doc).toContain('| `lines[].code` | string |');
  });
});
