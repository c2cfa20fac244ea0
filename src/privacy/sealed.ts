// The zod schema for a sealed personal-data envelope, so every event catalog
// that carries personal data (accounts, properties, tenancy, tickets) declares
// it the same way. It checks the envelope's shape only; opening it is the
// vault's job (src/privacy/vault.ts).

import { z } from 'zod';
import type { SealedPersonalData } from './vault.ts';

// base64url without padding, as the vault writes it.
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');

// `satisfies` keeps this a ZodObject (so it can be nested, made nullable, and
// listed in docs/events.md) while the compiler checks it matches the port's type.
export const sealedPersonalDataSchema = z.object({
  v: z.literal(1),
  subject: z.string().min(1),
  iv: base64url,
  ct: base64url,
}) satisfies z.ZodType<SealedPersonalData>;

export type { SealedPersonalData };
