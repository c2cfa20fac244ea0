// Account streams (`account-<accountId>`): who a person is to the ledger, their
// roles, verification flags and password hash. Personal data (name, email,
// mobile, Aadhaar) only ever appears sealed; `emailLookup` is an HMAC of the
// normalised email so the email reservation stream can be found without the
// email in clear. After `PersonForgotten` the sealed data is unreadable.

import { z } from 'zod';
import { sealedPersonalDataSchema, type SealedPersonalData } from '../../privacy/sealed.ts';
import { defineEvents, streamName, type EventsOf } from '../shared/events.ts';

export const ROLES = ['customer', 'admin', 'superuser', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
const roleSchema = z.enum(ROLES);

const iso = z.iso.datetime({ offset: true });

export const accountEvents = defineEvents(
  'account',
  'One account (customer, admin, superuser or auditor): roles, verification, password hash, sealed personal data.',
  {
    AccountRegistered: z.object({
      accountId: z.uuid(),
      username: z.string(),
      roles: z.array(roleSchema),
      personal: sealedPersonalDataSchema,
      emailLookup: z.string(),
      consentGivenAt: iso,
      registeredAt: iso,
    }),
    EmailVerified: z.object({ at: iso }),
    MobileVerified: z.object({ at: iso }),
    PasswordSet: z.object({ passwordHash: z.string(), at: iso }),
    PasswordChanged: z.object({ passwordHash: z.string(), at: iso }),
    RoleGranted: z.object({ role: roleSchema, by: z.string(), at: iso }),
    RoleRevoked: z.object({ role: roleSchema, by: z.string(), at: iso }),
    AccountDisabled: z.object({ reason: z.string(), by: z.string(), at: iso }),
    AccountEnabled: z.object({ by: z.string(), at: iso }),
    PersonalDataChanged: z.object({
      personal: sealedPersonalDataSchema,
      emailLookup: z.string(),
      emailChanged: z.boolean(),
      mobileChanged: z.boolean(),
      at: iso,
    }),
    PersonForgotten: z.object({ by: z.string(), at: iso }),
    // A sign-up that claimed a username/email but never wrote its account (the
    // process died and nobody retried) is closed by whoever reclaims the claim.
    // Writing it takes the account stream, so the stalled sign-up can never
    // complete afterwards with a claim it no longer holds.
    RegistrationAbandoned: z.object({ reclaimedBy: z.uuid(), at: iso }),
  },
);

export type AccountEvent = EventsOf<typeof accountEvents>;

interface AccountFacts {
  accountId: string;
  username: string;
  roles: Role[];
}

export type AccountState =
  | { status: 'unregistered' }
  | { status: 'abandoned' }
  | (AccountFacts & {
      status: 'active' | 'disabled';
      personal: SealedPersonalData;
      emailLookup: string;
      emailVerified: boolean;
      mobileVerified: boolean;
      passwordHash: string | null;
      consentGivenAt: string;
    })
  // Forgetting keeps only what is not personal: ids, username, roles.
  | (AccountFacts & { status: 'forgotten'; forgottenAt: string });

export const initialAccountState: AccountState = { status: 'unregistered' };

export const accountStream = (accountId: string): string => streamName('account', accountId);

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === 'AccountRegistered') {
    const d = event.data;
    return {
      status: 'active',
      accountId: d.accountId,
      username: d.username,
      roles: d.roles,
      personal: d.personal,
      emailLookup: d.emailLookup,
      emailVerified: false,
      mobileVerified: false,
      passwordHash: null,
      consentGivenAt: d.consentGivenAt,
    };
  }
  if (event.type === 'RegistrationAbandoned') return { status: 'abandoned' };
  // Every other event needs a registered, not forgotten, account; a stream that
  // says otherwise was not written by this decider, so leave the state alone.
  if (state.status !== 'active' && state.status !== 'disabled') return state;
  switch (event.type) {
    case 'EmailVerified':
      return { ...state, emailVerified: true };
    case 'MobileVerified':
      return { ...state, mobileVerified: true };
    case 'PasswordSet':
    case 'PasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash };
    case 'RoleGranted':
      return { ...state, roles: [...state.roles, event.data.role] };
    case 'RoleRevoked':
      return { ...state, roles: state.roles.filter((r) => r !== event.data.role) };
    case 'AccountDisabled':
      return { ...state, status: 'disabled' };
    case 'AccountEnabled':
      return { ...state, status: 'active' };
    case 'PersonalDataChanged':
      return {
        ...state,
        personal: event.data.personal,
        emailLookup: event.data.emailLookup,
        emailVerified: state.emailVerified && !event.data.emailChanged,
        mobileVerified: state.mobileVerified && !event.data.mobileChanged,
      };
    case 'PersonForgotten':
      return {
        status: 'forgotten',
        accountId: state.accountId,
        username: state.username,
        roles: state.roles,
        forgottenAt: event.data.at,
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
