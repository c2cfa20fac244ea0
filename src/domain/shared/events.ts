// Each feature declares its events once, as zod schemas grouped by stream
// category. The TypeScript event types are inferred from the schemas, and
// docs/events.md is generated from the same catalogs, so neither can drift.

import type { z } from 'zod';
import type { Event } from './decider.ts';

export interface EventCatalog<
  Category extends string = string,
  Schemas extends Record<string, z.ZodObject> = Record<string, z.ZodObject>,
> {
  /** Stream category: streams are named `${category}-${id}`. */
  category: Category;
  /** One line on what a stream of this category is. */
  description: string;
  schemas: Schemas;
}

export const defineEvents = <Category extends string, Schemas extends Record<string, z.ZodObject>>(
  category: Category,
  description: string,
  schemas: Schemas,
): EventCatalog<Category, Schemas> => ({ category, description, schemas });

/** The union of `Event<Type, Data>` for every schema in a catalog. */
export type EventsOf<C extends EventCatalog> = {
  [K in keyof C['schemas'] & string]: Event<K, z.infer<C['schemas'][K]>>;
}[keyof C['schemas'] & string];

export const streamName = (category: string, id: string): string => `${category}-${id}`;
