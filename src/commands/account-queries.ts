// What other services and the web layer ask of accounts: an actor's roles
// (authority checks), a person's clear personal data or profile (opened from
// the vault; null once forgotten), and the tenant directory the property
// services use to find an invitee by username and mobile.

import {
  accountPersonalDataSchema,
  maskAadhaar,
  normaliseMobile,
  type AccountPersonalData,
  type Role,
} from '../domain/account/index.ts';
import { DomainError } from '../domain/shared/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { PersonalDataVault, SealedPersonalData } from '../privacy/vault.ts';
import { findAccountIdByUsername, loadAccountHistory } from './account-lookups.ts';

type Deps = { store: EventStore; vault: PersonalDataVault };

/** Opens an account's sealed data; null once forgotten. Throws if it is not account data at all. */
export async function openPersonalData(
  vault: PersonalDataVault,
  sealed: SealedPersonalData,
): Promise<AccountPersonalData | null> {
  const opened = await vault.open(sealed);
  return opened === null ? null : accountPersonalDataSchema.parse(opened);
}

/** Roles of an active account; none for system actors, unknown, disabled or forgotten accounts. */
export async function actorRoles(store: EventStore, actor: string): Promise<Role[]> {
  if (actor.startsWith('system:')) return [];
  const { state } = await loadAccountHistory(store, actor);
  return state.status === 'active' ? state.roles : [];
}

/** For rules like "only staff may do this": throws NOT_AUTHORISED unless the actor holds one of `roles`. */
export async function requireRole(
  store: EventStore,
  actor: string,
  roles: readonly Role[],
): Promise<void> {
  const held = await actorRoles(store, actor);
  if (!held.some((role) => roles.includes(role)))
    throw new DomainError('NOT_AUTHORISED', `requires one of the roles ${roles.join(', ')}`);
}

/** The account's clear personal data; null once the person has been forgotten. */
export async function readPersonalData(
  deps: Deps,
  accountId: string,
): Promise<AccountPersonalData | null> {
  const { state } = await loadAccountHistory(deps.store, accountId);
  if (state.status === 'unregistered' || state.status === 'abandoned')
    throw new DomainError('ACCOUNT_NOT_FOUND', 'no such account');
  if (state.status === 'forgotten') return null;
  return await openPersonalData(deps.vault, state.personal);
}

export interface AccountProfile {
  accountId: string;
  username: string;
  roles: Role[];
  status: 'active' | 'disabled' | 'forgotten';
  emailVerified: boolean;
  mobileVerified: boolean;
  /** Null once the person has been forgotten. */
  personal: {
    name: string;
    email: string;
    mobile: string;
    /** XXXX-XXXX-1234; the full number is never shown. */
    aadhaarMasked: string | null;
  } | null;
}

/** What a profile page may show: personal data opened, Aadhaar masked, no password hash. */
export async function readProfile(deps: Deps, accountId: string): Promise<AccountProfile> {
  const { state } = await loadAccountHistory(deps.store, accountId);
  if (state.status === 'unregistered' || state.status === 'abandoned')
    throw new DomainError('ACCOUNT_NOT_FOUND', 'no such account');
  const base = { accountId, username: state.username, roles: state.roles };
  if (state.status === 'forgotten')
    return {
      ...base,
      status: 'forgotten',
      emailVerified: false,
      mobileVerified: false,
      personal: null,
    };
  const data = await openPersonalData(deps.vault, state.personal);
  const personal = data && {
    name: data.name,
    email: data.email,
    mobile: data.mobile,
    aadhaarMasked: data.aadhaar === null ? null : maskAadhaar(data.aadhaar),
  };
  const { status, emailVerified, mobileVerified } = state;
  return { ...base, status, emailVerified, mobileVerified, personal };
}

export interface TenantDirectory {
  /** An active account with this username whose mobile matches, else null. */
  findTenant(username: string, mobile: string): Promise<{ accountId: string } | null>;
}

export function createTenantDirectory(deps: Deps): TenantDirectory {
  return {
    async findTenant(username, mobile) {
      const accountId = await findAccountIdByUsername(deps.store, username);
      if (!accountId) return null;
      const { state } = await loadAccountHistory(deps.store, accountId);
      if (state.status !== 'active') return null;
      const data = await openPersonalData(deps.vault, state.personal);
      return data !== null && data.mobile === normaliseMobile(mobile) ? { accountId } : null;
    },
  };
}
