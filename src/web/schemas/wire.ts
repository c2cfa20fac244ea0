// The building blocks of every wire shape: integers and instants as they
// leave the server. Read models hand over database values (node-postgres
// numbers, PGlite strings or bigints, Dates); each codec's input side is the
// wire (a JSON number, an ISO string) and its output side is what a route
// returns, which the serializer encodes. So a shape's wire type is its
// `z.input`, which is what the schema modules export for the UI.
//
// This folder imports nothing but zod and the pure domain vocabularies, so the
// UI can `import type` from it without pulling server code into its bundle.

import { z } from 'zod';

/** Database integers arrive as numbers (node-postgres) or strings/bigints (PGlite); always sent as numbers. */
export const int = z.codec(
  z.number().int(),
  z.union([z.number().int(), z.string().regex(/^-?\d+$/), z.bigint()]),
  { decode: (n) => n, encode: (v) => Number(v) },
);

/** Instants leave as ISO strings whether the row held a Date or a string. */
export const instant = z.codec(z.iso.datetime({ offset: true }), z.union([z.date(), z.string()]), {
  decode: (s) => new Date(s),
  encode: (v) => (v instanceof Date ? v : new Date(v)).toISOString(),
});

/** `{ status: '<what happened>' }`, the answer of most commands. */
export const statusSchema = <T extends string>(status: T) =>
  z.object({ status: z.literal(status) });
export type StatusAnswer<T extends string> = z.input<ReturnType<typeof statusSchema<T>>>;

/** The answer of a command that has nothing else to say. */
export const doneSchema = statusSchema('done');
export type Done = z.input<typeof doneSchema>;

/** application/problem+json, every error answer (src/web/problem.ts sends it). */
export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  /** The request id, so a user can quote it and an operator find the log line. */
  instance: z.string(),
  /** What was wrong with a refused request, field by field (validation, tariff rules). */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type WireProblem = z.input<typeof problemSchema>;
