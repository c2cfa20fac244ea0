// Personal data (names, emails, mobiles, addresses, contact cards) never sits in
// events in clear: it is sealed with a key per person, kept outside the event
// store. Forgetting a person deletes their key (crypto-shredding); their events
// stay, unreadable, and every hash chain still verifies.

import type { JsonObject } from '../eventstore/port.ts';

/** What an event carries in place of personal data. All strings base64url. */
export interface SealedPersonalData {
  /** Format version. */
  v: 1;
  /** Whose key sealed it: an account id (or other subject id). */
  subject: string;
  iv: string;
  /** AES-256-GCM ciphertext with the tag appended. */
  ct: string;
}

export interface PersonalDataVault {
  seal(subject: string, data: JsonObject): Promise<SealedPersonalData>;
  /** The data, or null when the subject has been forgotten. */
  open(sealed: SealedPersonalData): Promise<JsonObject | null>;
  forget(subject: string): Promise<void>;
}
