// Read model `accounts`: who can log in and what they may do, for the admin
// dashboard and the portal. No secrets (password hashes stay in the log);
// personal data stays SEALED as stored, so the web layer opens it on display
// and crypto-shredding needs nothing here. Forgetting a person drops the copy.

import type { SqlExecutor } from '../../db/sql.ts';
import { accountEvents } from '../../domain/account/events.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { dataReader, streamId } from '../events.ts';
import type { Projection } from '../types.ts';

const schemaSql = `
CREATE TABLE accounts (
  account_id text PRIMARY KEY,
  username text NOT NULL,
  roles text[] NOT NULL,
  status text NOT NULL,
  email_verified boolean NOT NULL DEFAULT false,
  mobile_verified boolean NOT NULL DEFAULT false,
  personal jsonb,
  consent_given_at timestamptz,
  registered_at timestamptz NOT NULL,
  forgotten_at timestamptz
);
CREATE INDEX accounts_username ON accounts (username)`;

const d = dataReader(accountEvents);

const set = (tx: SqlExecutor, e: RecordedEvent, assignments: string, params: unknown[] = []) =>
  tx.query(`UPDATE accounts SET ${assignments} WHERE account_id = $1`, [streamId(e), ...params]);

export const accountsProjection: Projection = {
  name: 'accounts',
  version: 1,
  schemaSql,
  tables: ['accounts'],
  handlers: {
    AccountRegistered: async (tx, e) => {
      const r = d('AccountRegistered', e);
      await tx.query(
        `INSERT INTO accounts (account_id, username, roles, status, personal, consent_given_at, registered_at)
         VALUES ($1, $2, $3, 'active', $4, $5, $6)
         ON CONFLICT (account_id) DO NOTHING`,
        [
          r.accountId,
          r.username,
          r.roles,
          JSON.stringify(r.personal),
          r.consentGivenAt,
          r.registeredAt,
        ],
      );
    },
    EmailVerified: (tx, e) => set(tx, e, 'email_verified = true'),
    MobileVerified: (tx, e) => set(tx, e, 'mobile_verified = true'),
    RoleGranted: (tx, e) =>
      set(tx, e, 'roles = CASE WHEN $2 = ANY(roles) THEN roles ELSE array_append(roles, $2) END', [
        d('RoleGranted', e).role,
      ]),
    RoleRevoked: (tx, e) =>
      set(tx, e, 'roles = array_remove(roles, $2)', [d('RoleRevoked', e).role]),
    AccountDisabled: (tx, e) => set(tx, e, "status = 'disabled'"),
    AccountEnabled: (tx, e) => set(tx, e, "status = 'active'"),
    PersonalDataChanged: (tx, e) => {
      const c = d('PersonalDataChanged', e);
      return set(
        tx,
        e,
        `personal = $2, email_verified = email_verified AND NOT $3, mobile_verified = mobile_verified AND NOT $4`,
        [JSON.stringify(c.personal), c.emailChanged, c.mobileChanged],
      );
    },
    PersonForgotten: (tx, e) =>
      set(tx, e, "status = 'forgotten', personal = NULL, forgotten_at = $2", [
        d('PersonForgotten', e).at,
      ]),
    RegistrationAbandoned: (tx, e) =>
      tx.query('DELETE FROM accounts WHERE account_id = $1', [streamId(e)]),
  },
};

export interface AccountRow {
  accountId: string;
  username: string;
  roles: string[];
  status: 'active' | 'disabled' | 'forgotten';
  emailVerified: boolean;
  mobileVerified: boolean;
  /** The sealed envelope as stored in the event; null once forgotten. */
  personal: unknown;
  registeredAt: Date;
  forgottenAt: Date | null;
}

const SELECT = `SELECT account_id AS "accountId", username, roles, status,
  email_verified AS "emailVerified", mobile_verified AS "mobileVerified", personal,
  registered_at AS "registeredAt", forgotten_at AS "forgottenAt" FROM read.accounts`;

export async function getAccount(db: SqlExecutor, accountId: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(`${SELECT} WHERE account_id = $1`, [accountId]);
  return rows[0] ?? null;
}

/** Accounts by username order, optionally only those holding `role`. */
export async function listAccounts(
  db: SqlExecutor,
  filter: { role?: string; status?: string } = {},
): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>(
    `${SELECT} WHERE ($1::text IS NULL OR $1 = ANY(roles)) AND ($2::text IS NULL OR status = $2)
     ORDER BY username, account_id`,
    [filter.role ?? null, filter.status ?? null],
  );
  return rows;
}
