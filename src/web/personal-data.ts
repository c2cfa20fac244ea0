// Opening sealed personal data for display. Read models keep names, emails,
// mobiles and addresses sealed exactly as the events carry them; a route that
// shows one to an authorised reader opens it here through the vault. A
// forgotten person (key shredded) or a malformed envelope shows as null.

import { z } from 'zod';
import { openPersonalData } from '../commands/accounts.ts';
import type { SqlExecutor } from '../db/sql.ts';
import { getAccount } from '../projections/accounts/index.ts';
import type { PersonalDataVault, SealedPersonalData } from '../privacy/vault.ts';
import { addressSchema, type ContactCard } from './schemas/properties.ts';

const sealedSchema = z.object({
  v: z.literal(1),
  subject: z.string(),
  iv: z.string(),
  ct: z.string(),
});

export type OpenedAddress = z.infer<typeof addressSchema>;

const asSealed = (value: unknown): SealedPersonalData | null => {
  const parsed = sealedSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

/** A property's address in clear, or null when its owner has been forgotten. */
export async function openAddress(
  vault: PersonalDataVault,
  sealed: unknown,
): Promise<OpenedAddress | null> {
  const envelope = asSealed(sealed);
  if (envelope === null) return null;
  const opened = await vault.open(envelope);
  const parsed = addressSchema.safeParse(opened);
  return parsed.success ? parsed.data : null;
}

/** Name, email and mobile of an account, for the other party of a tenancy. */
export async function contactCard(
  db: SqlExecutor,
  vault: PersonalDataVault,
  accountId: string,
): Promise<ContactCard | null> {
  const account = await getAccount(db, accountId);
  const envelope = account ? asSealed(account.personal) : null;
  if (account === null || envelope === null) return null;
  const personal = await openPersonalData(vault, envelope).catch(() => null);
  if (personal === null) return null;
  const { name, email, mobile } = personal;
  return { accountId, username: account.username, name, email, mobile };
}
